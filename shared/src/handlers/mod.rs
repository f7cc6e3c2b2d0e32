//! One module per resource; each handler validates its input at the edge and hands the
//! domain intent to the store.

pub mod invitations;
pub mod me;
pub mod workspaces;
