//! Valid values and the rules of the domain. No AWS types in here.

pub mod email;
pub mod plan;
pub mod role;
pub mod slug;
pub mod ticket;
pub mod workspace;

pub use email::Email;
pub use plan::{LimitOverrides, Limits, Plan, Resource};
pub use role::Role;
pub use slug::Slug;
pub use ticket::{TicketId, TicketStatus, TicketSubject};
