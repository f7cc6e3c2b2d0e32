//! One module per resource; each handler validates its input at the edge and hands the
//! domain intent to the store.

pub mod me;
pub mod members;
pub mod tickets;
pub mod workspaces;
