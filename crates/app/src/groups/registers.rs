//! Registers, as facilitators take them: the sessions to take today (and any of the past
//! week left untaken), a session's register, a walk-in added on the day, and the register
//! taken — once per form — with what it answers: missed sessions in a row, and a social
//! prescription's follow-ups. A facilitator reaches only the groups they facilitate, and
//! sees of each member only what the register needs (a first name and initial, an
//! access-needs flag, an emergency contact they agreed to show).

use jiff::Span;
use linkwell_domain::groups::members::{JoinRoute, MemberFields, NewMember};
use linkwell_domain::groups::registers::{Register, RegisterFields, prescription_answer};
use linkwell_domain::identity::Role;
use linkwell_domain::ids::GroupSessionId;
use linkwell_domain::{ServiceId, ValidationErrors, Version};
use linkwell_store::group_members::{Joining, Member};
use linkwell_store::group_registers::{RegisterSheet, RegisterTaken};
use linkwell_store::groups::{GroupSession, GroupSessionStatus};
use linkwell_store::{Db, StoreError};

use crate::Caller;
use crate::casework::CaseError;

/// The groups whose registers the caller may take: a facilitator's own; every group for
/// the team (coordinators and link workers). `None`: every group.
pub async fn reachable_groups(db: &Db, caller: &Caller) -> Result<Option<Vec<ServiceId>>, StoreError> {
    let user = &caller.principal.user;
    Ok(match user.role {
        Role::Facilitator => Some(db.groups_facilitated_by(&caller.scope(), user.id).await?),
        _ => None,
    })
}

/// A session whose register the caller may take, or `NotFound` (another group's session
/// is not there for a facilitator, as another organisation's is not for anyone).
pub(crate) async fn reachable_session(
    db: &Db,
    caller: &Caller,
    session: GroupSessionId,
) -> Result<GroupSession, CaseError> {
    let s = db.group_session(&caller.scope(), session).await?;
    match reachable_groups(db, caller).await? {
        Some(groups) if !groups.contains(&s.service_id) => Err(CaseError::NotFound),
        _ => Ok(s),
    }
}

/// A session on the caller's list of registers.
pub struct RegisterItem {
    pub session: GroupSession,
    pub group: String,
}

/// Registers to take: today's sessions of the caller's groups, and the past week's not
/// yet taken, in time order; and their groups' members flagged for missing three in a
/// row.
pub async fn registers(db: &Db, caller: &Caller) -> Result<(Vec<RegisterItem>, Vec<(Member, String)>), StoreError> {
    let scope = caller.scope();
    let groups = reachable_groups(db, caller).await?;
    let today = crate::today();
    let from = today.checked_sub(Span::new().days(7)).unwrap_or(today);
    let day_start = |d: jiff::civil::Date| linkwell_domain::time::london_day_start(d);
    let tomorrow = today.tomorrow().unwrap_or(today);
    let sessions = db.group_sessions_between(&scope, groups.as_deref(), day_start(from), day_start(tomorrow)).await?;
    let sessions: Vec<GroupSession> = sessions
        .into_iter()
        .filter(|s| s.status != GroupSessionStatus::Cancelled && (s.on_date == today || s.register_taken_at.is_none()))
        .collect();
    // A flag goes to the member's link worker when they have one, and to the group's
    // lead (its facilitators, the coordinators) otherwise.
    let flagged = match caller.principal.user.role {
        Role::LinkWorker => db.flagged_group_members(&scope, None, Some(caller.principal.user.id)).await?,
        _ => db.flagged_group_members(&scope, groups.as_deref(), None).await?,
    };
    let mut ids: Vec<ServiceId> =
        sessions.iter().map(|s| s.service_id).chain(flagged.iter().map(|m| m.service_id)).collect();
    ids.sort();
    ids.dedup();
    let names = db.services_by_ids(&scope, &ids).await?;
    let name = |id: ServiceId| names.iter().find(|l| l.id == id).map(|l| l.name.clone()).unwrap_or_default();
    let items = sessions.into_iter().map(|s| RegisterItem { group: name(s.service_id), session: s }).collect();
    let flagged = flagged
        .into_iter()
        .map(|m| {
            let group = name(m.service_id);
            (m, group)
        })
        .collect();
    Ok((items, flagged))
}

/// A register to take: its group's name, the sheet, and a fresh key for the form.
pub struct RegisterView {
    pub group: String,
    pub sheet: RegisterSheet,
    pub key: String,
}

/// The register of `session`, with a new key for its form.
pub async fn register(db: &Db, caller: &Caller, session: GroupSessionId) -> Result<RegisterView, CaseError> {
    let s = reachable_session(db, caller, session).await?;
    let group = db.service(&caller.scope(), s.service_id).await?.name;
    let sheet = db.register_sheet(&caller.scope(), session).await?;
    Ok(RegisterView { group, sheet, key: uuid::Uuid::now_v7().to_string() })
}

/// How far back a facilitator may take (or retake) a register: the week the list shows.
const FACILITATOR_DAYS_BACK: i64 = 7;

/// Refuse a register (or feedback on the day) for a session still to come, or one called
/// off, naming `field`; a facilitator's reach back is a week (the team's is not limited:
/// corrections).
pub(crate) fn check_takeable(caller: &Caller, s: &GroupSession, field: &str) -> Result<(), CaseError> {
    let today = crate::today();
    let week_ago = today.checked_sub(Span::new().days(FACILITATOR_DAYS_BACK)).unwrap_or(today);
    if caller.principal.user.role == Role::Facilitator && s.on_date < week_ago {
        let why = "This register is more than a week old: ask the team to correct it";
        return Err(CaseError::Invalid(ValidationErrors::single(field, why)));
    }
    if s.status == GroupSessionStatus::Cancelled {
        let why = "This session was cancelled, so it has no register";
        return Err(CaseError::Invalid(ValidationErrors::single(field, why)));
    }
    if s.on_date > crate::today() {
        let why = "This session has not happened yet: take its register on the day";
        return Err(CaseError::Invalid(ValidationErrors::single(field, why)));
    }
    Ok(())
}

/// Add a walk-in at `session`: someone already in the group (the same email address or
/// mobile number) is matched, anyone else joins as a walk-in. Returns them, to be ticked.
pub async fn add_walk_in(
    db: &Db,
    caller: &Caller,
    session: GroupSessionId,
    fields: &MemberFields,
    base_url: &str,
) -> Result<Member, CaseError> {
    let s = reachable_session(db, caller, session).await?;
    check_takeable(caller, &s, "attended")?;
    let new = NewMember::parse(fields, false).map_err(CaseError::Invalid)?;
    let scope = caller.scope();
    // Only a member with the same first name and contact is matched: a number typed in
    // never shows who else has it.
    let known = db.group_members(&scope, s.service_id).await?.into_iter().find(|m| {
        m.status == linkwell_domain::groups::members::MemberStatus::Member
            && m.first_name.eq_ignore_ascii_case(&new.first_name)
            && linkwell_store::group_members::same_contact(m, &new)
    });
    if let Some(m) = known {
        return Ok(m);
    }
    let joining = Joining { member: &new, route: JoinRoute::WalkIn, person: None, once_per_contact: false };
    let head = super::members::Letterhead::of(db, &scope, s.service_id, base_url).await?;
    Ok(db.join_group(&scope, &caller.actor(), s.service_id, &joining, &|m, k| head.welcome(m, k)).await?)
}

/// Take the register of `session`; the same form twice records once. Then answer the
/// follow-ups of the social prescriptions of those who came, and send each of them the
/// session's follow-up message asking how it was (once each).
pub async fn take(
    db: &Db,
    caller: &Caller,
    session: GroupSessionId,
    fields: &RegisterFields,
    base_url: &str,
) -> Result<RegisterTaken, CaseError> {
    let s = reachable_session(db, caller, session).await?;
    check_takeable(caller, &s, "attended")?;
    let register = Register::parse(fields).map_err(CaseError::Invalid)?;
    let scope = caller.scope();
    let user = Some(caller.principal.user.id);
    let taken = match db.take_register(&scope, &caller.actor(), session, &register, user).await {
        Err(StoreError::Conflict) => {
            let why = "This session was cancelled, so it has no register";
            return Err(CaseError::Invalid(ValidationErrors::single("attended", why)));
        }
        other => other?,
    };
    // Answered again on a retry too (an answer already given is not given twice); the
    // register stands whatever becomes of them.
    if let Err(e) = answer_prescriptions(db, caller, &taken).await {
        tracing::warn!(error = %e, "a register could not answer a prescription's follow-up");
    }
    if let Err(e) = super::feedback::follow_up(db, &scope, &taken, base_url).await {
        tracing::warn!(error = %e, "a session's follow-up messages could not be sent");
    }
    Ok(taken)
}

/// "Did they start?", "still going at six weeks?": answered from who came.
async fn answer_prescriptions(db: &Db, caller: &Caller, taken: &RegisterTaken) -> Result<(), StoreError> {
    let scope = caller.scope();
    let sheet = db.register_sheet(&scope, taken.session.id).await?;
    for m in sheet.expected.iter().filter(|m| taken.attended.contains(&m.id)) {
        let Some(rx) = m.prescription_id else { continue };
        let p = db.prescription(&scope, rx).await?;
        let on = taken.session.on_date;
        let Some(outcome) = prescription_answer(p.outcome, p.prescribed_on, on) else { continue };
        let why = "Answered from the group's register";
        match db
            .record_prescription_outcome(&scope, &caller.actor(), rx, Version(p.version), outcome, why, on, None)
            .await
        {
            // Changed meanwhile by a link worker, or not yet due: theirs stands.
            Ok(_) | Err(StoreError::Conflict | StoreError::Untimely(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
