use std::fmt;
use std::str::FromStr;

/// The roles of PRODUCT.md §2. A user has exactly one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Coordinator,
    LinkWorker,
    /// A GP, nurse, pharmacist or other primary care professional, bound to one practice.
    Referrer,
    /// Runs a group; sees only the register of their own groups.
    Facilitator,
    /// Sees aggregate, suppressed figures only.
    Commissioner,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Select a role: admin, coordinator, link worker, referrer, facilitator or commissioner")]
pub struct RoleError;

impl Role {
    pub const ALL: [Role; 6] =
        [Role::Admin, Role::Coordinator, Role::LinkWorker, Role::Referrer, Role::Facilitator, Role::Commissioner];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Coordinator => "coordinator",
            Role::LinkWorker => "link_worker",
            Role::Referrer => "referrer",
            Role::Facilitator => "facilitator",
            Role::Commissioner => "commissioner",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Admin",
            Role::Coordinator => "Coordinator",
            Role::LinkWorker => "Link worker",
            Role::Referrer => "Referrer",
            Role::Facilitator => "Facilitator",
            Role::Commissioner => "Commissioner",
        }
    }

    /// Referrers refer on behalf of one GP practice, so they must be bound to one.
    pub fn needs_practice(self) -> bool {
        matches!(self, Role::Referrer)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = RoleError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.trim().to_ascii_lowercase().replace([' ', '-'], "_");
        Role::ALL.into_iter().find(|r| r.as_str() == norm).ok_or(RoleError)
    }
}
