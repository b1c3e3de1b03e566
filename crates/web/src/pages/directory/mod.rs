//! The community directory for staff: listings (add, edit, pause, close, reopen, verify,
//! dates off), the organisations that run them, and the listings due a check.

pub(crate) mod csv;
mod listings;
mod providers;
mod search;
mod status;

pub use csv::*;
pub use listings::*;
pub use providers::*;
pub use search::*;
pub use status::*;

/// How far the directory page counts listings to check (the check page has the total).
pub(super) const TO_CHECK_COUNTED: u64 = 1_000;
