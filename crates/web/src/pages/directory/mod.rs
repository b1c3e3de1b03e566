//! The community directory for staff: listings (add, edit, pause, close, reopen, verify,
//! dates off), the organisations that run them, and the listings due a check.

mod csv;
mod listings;
mod providers;
mod search;
mod status;

pub use csv::*;
pub use listings::*;
pub use providers::*;
pub use search::*;
pub use status::*;

/// How many listings the check list shows at once (the oldest checks first).
pub(super) const CHECK_LIMIT: u64 = 200;

/// How far the directory page counts listings to check (the check page has the total).
pub(super) const TO_CHECK_COUNTED: u64 = 1_000;
