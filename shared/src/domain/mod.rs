//! Valid values and the rules of the domain. No AWS types in here.

pub mod email;
pub mod file;
pub mod hostname;
pub mod invitation;
pub mod plan;
pub mod role;
pub mod slug;
pub mod ticket;
pub mod webhook;
pub mod workspace;

pub use email::Email;
pub use hostname::Hostname;
pub use invitation::{EmailStatus, InvitationStatus, InvitationToken};
pub use plan::{LimitOverrides, Limits, Plan, Resource};
pub use role::Role;
pub use slug::Slug;
pub use ticket::{TicketId, TicketStatus, TicketSubject};
pub use webhook::{WebhookEvent, WebhookUrl};
