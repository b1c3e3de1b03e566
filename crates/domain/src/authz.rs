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
    /// Submit a referral (for one's practice, when a referrer).
    ReferPeople,
    /// List referrals and follow their status. What each role sees of them is narrowed
    /// by `sees_case` and `follows_referral`.
    ViewReferrals,
    /// Work a case: see the person, contact attempts, sessions, notes, plans, discharge.
    WorkCases,
    /// Triage: the waiting list, accepting, assigning, declining, redirecting, extending
    /// the follow-up limit, merging duplicate people.
    TriageReferrals,
    /// Programmes and their session rules.
    ManageProgrammes,
    /// Organisation settings (self-referral) and the message outbox.
    ManageSettings,
    /// Browse the community directory (staff; the public only when it is published).
    ViewDirectory,
    /// Add, edit, pause, close and verify listings.
    EditDirectory,
    /// Run the team's own listings as groups: their settings, facilitators and sessions.
    RunGroups,
    /// Take the registers of group sessions: a facilitator only their own groups'.
    TakeRegisters,
    /// Read the service's reports: the team in full, a commissioner only as aggregates
    /// with small numbers suppressed.
    ViewReports,
    /// Define the organisation's own questionnaires (new versions, retiring them).
    DefineQuestionnaires,
    /// Download the minimum dataset extract: a pseudonymised row a referral, so
    /// person-level, and the team's alone.
    ExportDataset,
}

impl Action {
    pub const ALL: [Action; 20] = [
        Action::ViewOwnAccount,
        Action::ViewPractices,
        Action::ManagePractices,
        Action::ManageSitesAndRooms,
        Action::ViewUsers,
        Action::ManageUsers,
        Action::ViewAudit,
        Action::ReferPeople,
        Action::ViewReferrals,
        Action::WorkCases,
        Action::TriageReferrals,
        Action::ManageProgrammes,
        Action::ManageSettings,
        Action::ViewDirectory,
        Action::EditDirectory,
        Action::RunGroups,
        Action::TakeRegisters,
        Action::ViewReports,
        Action::DefineQuestionnaires,
        Action::ExportDataset,
    ];
}

pub fn allows(role: Role, action: Action) -> bool {
    use Action::*;
    use Role::*;
    match action {
        ViewOwnAccount => true,
        // Practices are reference data every member of staff needs when referring or triaging.
        ViewPractices => matches!(role, Admin | Coordinator | LinkWorker | Referrer),
        ManagePractices | ManageSitesAndRooms | ManageUsers | ViewAudit | ManageProgrammes | ManageSettings => {
            matches!(role, Admin)
        }
        // Coordinators assign work to link workers, so they see who is in the team.
        ViewUsers => matches!(role, Admin | Coordinator),
        // Link workers and coordinators take referrals too (by phone, at a drop-in).
        ReferPeople | ViewReferrals => matches!(role, Coordinator | LinkWorker | Referrer),
        WorkCases => matches!(role, Coordinator | LinkWorker),
        TriageReferrals => matches!(role, Coordinator),
        // Referrers look up what is on locally; admins decide whether to publish it.
        ViewDirectory => matches!(role, Admin | Coordinator | LinkWorker | Referrer),
        // Link workers know what is really running: keeping listings true is their job.
        EditDirectory => matches!(role, Coordinator | LinkWorker),
        // The team's groups are its link workers' to run; facilitators take registers.
        RunGroups => matches!(role, Coordinator | LinkWorker),
        TakeRegisters => matches!(role, Coordinator | LinkWorker | Facilitator),
        // Commissioners fund the service on its evidence; coordinators run it on the same.
        ViewReports => matches!(role, Coordinator | Commissioner),
        // What the team asks people is the service's to decide, as are its reports.
        DefineQuestionnaires | ExportDataset => matches!(role, Coordinator),
    }
}

/// Whether a user may open a person's case (details, notes, sessions, plan): coordinators
/// see every caseload; a link worker sees the cases assigned to them. Admins,
/// referrers, facilitators and commissioners never do.
pub fn sees_case(role: Role, assigned_to_me: bool) -> bool {
    match role {
        Role::Coordinator => true,
        Role::LinkWorker => assigned_to_me,
        Role::Admin | Role::Referrer | Role::Facilitator | Role::Commissioner => false,
    }
}

/// Whether a referrer may follow a referral's status (never its notes, plan or outcomes):
/// one they made, or one made for their practice.
pub fn follows_referral(role: Role, made_by_me: bool, for_my_practice: bool) -> bool {
    role == Role::Referrer && (made_by_me || for_my_practice)
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
    fn case_records_are_for_the_team_that_works_them() {
        for role in Role::ALL {
            let works = allows(role, Action::WorkCases);
            assert_eq!(works, matches!(role, Role::Coordinator | Role::LinkWorker), "{role}");
            assert_eq!(sees_case(role, true), works, "{role}");
            assert_eq!(sees_case(role, false), role == Role::Coordinator, "{role}");
            assert_eq!(allows(role, Action::TriageReferrals), role == Role::Coordinator);
            assert_eq!(follows_referral(role, true, false), role == Role::Referrer);
        }
        assert!(!follows_referral(Role::Referrer, false, false));
        assert!(!allows(Role::Admin, Action::ViewReferrals), "admins run the system, not cases");
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
