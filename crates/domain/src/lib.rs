//! Linkwell's domain core: the types and rules of a social prescribing service.
//!
//! Nothing in this crate performs I/O. Storage (`linkwell-store`) and the web layer
//! (`linkwell-web`) depend on it; it depends on neither. Types here are parsed once at the
//! edge (parse, don't validate): a value of `OdsCode`, `EmailAddress` or `Role` is valid by
//! construction, so code further in never re-checks it.

#[macro_use]
mod vocabulary;

pub mod audit;
pub mod authz;
pub mod calendar;
pub mod chronology;
pub mod directory;
pub mod discharge;
pub mod documents;
pub mod groups;
pub mod identity;
pub mod ids;
pub mod organisations;
pub mod outcomes;
pub mod people;
pub mod plans;
pub mod referrals;
pub mod reporting;
pub mod sessions;
pub mod time;
pub mod validation;

pub use ids::{
    LocationId, OrganisationId, PersonId, PracticeId, PrescriptionId, ProgrammeId, ProviderId, RoomId, ServiceId,
    SiteId, UnmetNeedId, UserId,
};
pub use validation::{FieldError, ValidationErrors};

/// The version of a mutable record, for optimistic concurrency: an update names the
/// version it was based on and is refused as a conflict if the record has moved on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Version(pub i64);

impl Version {
    pub const FIRST: Version = Version(1);
    pub fn next(self) -> Version {
        Version(self.0 + 1)
    }
}
