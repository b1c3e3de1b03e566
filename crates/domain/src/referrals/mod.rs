//! Referrals: where they come from, why, and the lifecycle from received to discharged.

mod history;
mod input;
mod lifecycle;
pub mod notes;
pub mod reference;
pub mod response;
mod taxonomy;

pub use history::{HistoryEvent, UnreadableEvent};
pub use input::{FollowUpExtension, ReferralFields, ReferralInput};
pub use lifecycle::{DischargeReason, Event, ReferralStatus, TransitionError};
pub use taxonomy::{ContactOutcome, Need, ReferralSource, Urgency};
