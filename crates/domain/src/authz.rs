//! The one authorization policy: which role may do which action. Deny by default.
//!
//! Pages and the API both ask `allows`; every route declares the `Action` it performs,
//! and the role × route matrix test in the web crate walks them all.

use crate::identity::Role;

/// Something a signed-in user may try to do. New capabilities add variants here and a
/// line in `allows`, never a role check in a handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Action {
    /// See one's own home page, account and organisation name.
    ViewOwnAccount,
    ViewPractices,
    ManagePractices,
    ManageSitesAndRooms,
    ViewUsers,
    ManageUsers,
    ViewAudit,
}

impl Action {
    pub const ALL: [Action; 7] = [
        Action::ViewOwnAccount,
        Action::ViewPractices,
        Action::ManagePractices,
        Action::ManageSitesAndRooms,
        Action::ViewUsers,
        Action::ManageUsers,
        Action::ViewAudit,
    ];
}

pub fn allows(role: Role, action: Action) -> bool {
    use Action::*;
    use Role::*;
    match action {
        ViewOwnAccount => true,
        // Practices are reference data every member of staff needs when referring or triaging.
        ViewPractices => matches!(role, Admin | Coordinator | LinkWorker | Referrer),
        ManagePractices | ManageSitesAndRooms | ManageUsers | ViewAudit => matches!(role, Admin),
        // Coordinators assign work to link workers, so they see who is in the team.
        ViewUsers => matches!(role, Admin | Coordinator),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_admins_manage_users_and_see_audit() {
        for role in Role::ALL {
            assert_eq!(allows(role, Action::ManageUsers), role == Role::Admin);
            assert_eq!(allows(role, Action::ViewAudit), role == Role::Admin);
        }
    }

    #[test]
    fn commissioners_and_facilitators_see_no_reference_lists() {
        for role in [Role::Commissioner, Role::Facilitator] {
            assert!(allows(role, Action::ViewOwnAccount));
            assert!(!allows(role, Action::ViewPractices));
            assert!(!allows(role, Action::ViewUsers));
        }
    }
}
