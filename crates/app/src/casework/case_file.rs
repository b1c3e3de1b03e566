//! A case as the people working it see it: one read of everything the case page shows,
//! so a page (or, later, any other adapter) renders it without deciding what to fetch.

use linkwell_domain::authz::Action;
use linkwell_domain::referrals::ReferralStatus;
use linkwell_domain::{PracticeId, RoomId, UserId};
use linkwell_store::directory::Prescription;
use linkwell_store::people::Person;
use linkwell_store::practices::{Practice, Room, Site, room_label};
use linkwell_store::programmes::Programme;
use linkwell_store::referrals::{Referral, ReferralEvent};
use linkwell_store::sessions::Session;
use linkwell_store::users::User;
use linkwell_store::{Db, StoreError};

use crate::Caller;

/// Everything about one case that its page shows, read for `caller`.
#[derive(Debug)]
pub struct CaseFile {
    pub person: Person,
    pub sessions: Vec<Session>,
    pub history: Vec<ReferralEvent>,
    /// The coordinator's choice of worker, each with their open cases (empty for anyone
    /// who cannot assign).
    pub choosable_workers: Vec<super::WorkerLoad>,
    /// When a coordinator triages: the record holding the NHS number this referral gave,
    /// if its details differ, then other records that look like the same person. Each one
    /// shown is a read of that record, audited as such.
    pub same_nhs_number: Option<Person>,
    pub possible_duplicates: Vec<Person>,
    /// The plan's current version, if one was saved.
    pub plan_version: Option<i64>,
    pub programme: Option<Programme>,
    pub prescriptions: Vec<Prescription>,
    /// The questionnaires recorded in the case, oldest first.
    pub questionnaires: Vec<linkwell_store::outcomes::CaseQuestionnaire>,
    /// The questionnaire links sent to the person in the case, newest first.
    pub questionnaire_links: Vec<linkwell_store::questionnaire_links::LinkSent>,
    /// The organisation's questionnaires, to name those recorded and offer the others.
    pub catalogue: crate::outcomes::Catalogue,
    /// The practices and team members the case names, and every site's rooms: looked up
    /// through `practice`, `name_of` and `room_name`.
    practices: Vec<Practice>,
    named: Vec<User>,
    rooms: Vec<(Site, Vec<Room>)>,
}

impl CaseFile {
    /// Read the case `r` (already opened, and so audited, by `open_case`/`open_referral`).
    pub async fn read(db: &Db, caller: &Caller, r: &Referral) -> Result<CaseFile, StoreError> {
        let scope = caller.scope();
        let person = db.person(&scope, r.person_id).await?;
        let practice_ids: Vec<String> =
            [person.practice_id, r.practice_id].iter().flatten().map(|id| id.to_string()).collect();
        let practices = db.practices_by_ids(&scope, &practice_ids).await?;
        let sessions = db.sessions_for_referral(&scope, r.id).await?;
        let history = db.referral_history(&scope, r.id).await?;
        // The people this page names (the whole team only for a coordinator's chooser).
        let mut named: Vec<String> =
            r.assigned_worker_id.iter().chain(&r.referrer_user_id).map(|u| u.to_string()).collect();
        named.extend(sessions.iter().map(|s| s.worker_id.to_string()));
        named.extend(history.iter().filter_map(|e| e.actor_user_id.map(|u| u.to_string())));
        named.extend(history.iter().filter_map(|e| e.event.worker().map(|u| u.to_string())));
        named.sort();
        named.dedup();
        let named = db.users_by_ids(&scope, &named).await?;
        let can_assign = caller.can(Action::TriageReferrals);
        let choosable_workers = if can_assign {
            super::team_loads(db, &scope).await?.into_iter().filter(|w| !w.worker.disabled).collect()
        } else {
            vec![]
        };
        let rooms = db.sites_with_rooms(&scope).await?;
        let triaging = can_assign && r.status == ReferralStatus::Received;
        let (same_nhs_number, possible_duplicates) = if triaging {
            let same = db.nhs_number_match_of(&scope, &person).await?;
            let mut found = db.possible_duplicates_of(&scope, &person).await?;
            found.retain(|d| same.as_ref().is_none_or(|m| m.id != d.id));
            let shown: Vec<_> = same.iter().chain(found.iter()).map(|d| d.id).collect();
            super::audit_shown(db, caller, &shown, "possible_duplicate").await?;
            (same, found)
        } else {
            (None, vec![])
        };
        let plan_version = db.current_plan(&scope, r.id).await?.map(|v| v.version);
        let programme = db.programmes(&scope).await?.into_iter().find(|pr| pr.id == r.programme_id);
        let prescriptions = db.prescriptions_for_referral(&scope, r.id).await?;
        let questionnaires = db.case_questionnaires(&scope, r.id).await?;
        let questionnaire_links = db.questionnaire_links_of_case(&scope, r.id).await?;
        let catalogue = crate::outcomes::catalogue(db, &scope).await?;
        Ok(CaseFile {
            person,
            sessions,
            history,
            choosable_workers,
            same_nhs_number,
            possible_duplicates,
            plan_version,
            programme,
            prescriptions,
            questionnaires,
            questionnaire_links,
            catalogue,
            practices,
            named,
            rooms,
        })
    }

    /// A practice the case names, as "Name (ODS code)".
    pub fn practice(&self, id: Option<PracticeId>) -> Option<String> {
        id.and_then(|id| self.practices.iter().find(|pr| pr.id == id))
            .map(|pr| format!("{} ({})", pr.name, pr.ods_code))
    }

    /// The display name of a team member the case names.
    pub fn name_of(&self, id: Option<UserId>) -> Option<String> {
        id.and_then(|id| self.named.iter().find(|u| u.id == id)).map(|u| u.display_name.clone())
    }

    /// "Wellbeing room, Abbey Lane Surgery".
    pub fn room_name(&self, id: Option<RoomId>) -> Option<String> {
        id.and_then(|id| room_label(&self.rooms, id))
    }

    /// Sessions that still count (not cancelled).
    pub fn live_sessions(&self) -> usize {
        self.sessions.iter().filter(|s| !s.status.is_cancelled()).count()
    }
}
