//! The HTTP edge: turning an API Gateway request into a [`Call`] and a [`Reply`] into a response.

pub mod call;
pub mod page;
pub mod reply;

pub use call::{Call, MAX_BODY_BYTES};
pub use page::{Cursor, PageRequest};
pub use reply::Reply;
