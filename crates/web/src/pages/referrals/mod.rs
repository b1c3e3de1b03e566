//! Referrals: the referral form (referrers and staff), the list each role may see, the case
//! page (coordinators, the assigned link worker) or status page (the referrer), triage,
//! contact attempts and follow-up extensions.

mod case;
mod changes;
mod list;
mod new;
mod timeline;

pub use case::*;
pub use changes::*;
pub use list::*;
pub use new::*;
pub use timeline::*;

/// Referrals shown per page of a list.
pub const PAGE_SIZE: usize = 50;
