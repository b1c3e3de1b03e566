//! Linkwell's application layer: what the service does, once, for every way in.
//!
//! Pages, the JSON API and the command line are adapters: they parse input into domain
//! types, call one function here, and render its typed result. A use case here takes who
//! is asking (a [`Caller`], or an organisation scope and an actor for the command line and
//! background jobs), does its reads and writes, writes the audit entry, and queues the
//! outbox message and the search refresh its change causes.
//!
//! Modules are cut by capability: `casework` (who may open which case, referral intake,
//! discharge summaries), `sessions` (booking, outcomes, moving a session), `organisation`
//! (sites and rooms, programmes, working hours), `prescriptions` (connecting people to
//! listings, following up, unmet needs), `identity` (signing in, passwords), `users` (adding users, reset links), `directory` (CSV sheets,
//! ORUK imports, the search index follower), `groups` (groups the team runs and their
//! sessions), `messaging` (session reminders and the outbox sender).

pub mod audit;
pub mod casework;
pub mod directory;
pub mod groups;
pub mod home;
pub mod identity;
pub mod messaging;
pub mod organisation;
pub mod outcomes;
pub mod prescriptions;
mod principal;
pub mod reports;
pub mod sessions;
pub mod users;

pub use principal::{AuthVia, Caller, Principal};

/// Today's date on the London clock: the "today" of every date rule (dates of birth,
/// staleness, follow-ups), whatever zone the server runs in.
pub fn today() -> jiff::civil::Date {
    jiff::Zoned::now().with_time_zone(linkwell_domain::time::london()).date()
}
