//! Identifiers. Every id is a UUIDv7 (time-ordered, so ids sort by creation and work as
//! pagination cursors) wrapped in a type per entity, so a `UserId` can never be passed
//! where a `PracticeId` is expected.

use std::fmt;
use std::str::FromStr;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub uuid::Uuid);

        impl $name {
            /// A fresh, time-ordered id.
            pub fn new() -> Self {
                Self(uuid::Uuid::now_v7())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                uuid::Uuid::parse_str(s).map(Self)
            }
        }
    };
}

id_type!(
    /// The tenant: a primary care network, a charity or a federation.
    OrganisationId
);
id_type!(UserId);
id_type!(PracticeId);
id_type!(SiteId);
id_type!(RoomId);
id_type!(ApiTokenId);
id_type!(PersonId);
id_type!(ProgrammeId);
id_type!(ReferralId);
id_type!(SessionId);
id_type!(
    /// An organisation that runs services in the directory (not a tenant).
    ProviderId
);
id_type!(ServiceId);
id_type!(LocationId);
id_type!(PrescriptionId);
id_type!(UnmetNeedId);
id_type!(CaseNoteId);
id_type!(GroupSessionId);
id_type!(GroupMemberId);
id_type!(GroupFeedbackId);
id_type!(GroupStoryId);
