//! One case's story in time: its referral events and contact attempts, sessions with
//! their notes, plan versions, connections to community services and what came of them,
//! messages sent to the person, and case notes with their corrections — newest first,
//! filterable by kind. Case notes are written and corrected here too: a correction is a
//! new version with its reason, never an edit.

use jiff::civil::Date;
use linkwell_domain::ids::CaseNoteId;
use linkwell_domain::ids::SessionId;
use linkwell_domain::referrals::HistoryEvent;
use linkwell_domain::referrals::notes::{NoteFields, NoteInput, correction_reason};
use linkwell_domain::time::{london_date, london_day_start};
use linkwell_domain::{UserId, ValidationErrors};
use linkwell_store::case_notes::CaseNote;
use linkwell_store::referrals::Referral;
use linkwell_store::{Db, StoreError};

use super::CaseError;
use crate::Caller;

/// What a timeline entry is about; a filter names one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimelineKind {
    Referral,
    Contact,
    Session,
    Plan,
    Connection,
    Message,
    Note,
}

impl TimelineKind {
    pub const ALL: [TimelineKind; 7] = [
        TimelineKind::Note,
        TimelineKind::Session,
        TimelineKind::Contact,
        TimelineKind::Plan,
        TimelineKind::Connection,
        TimelineKind::Message,
        TimelineKind::Referral,
    ];

    pub fn code(self) -> &'static str {
        match self {
            TimelineKind::Referral => "referral",
            TimelineKind::Contact => "contact",
            TimelineKind::Session => "session",
            TimelineKind::Plan => "plan",
            TimelineKind::Connection => "connection",
            TimelineKind::Message => "message",
            TimelineKind::Note => "note",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            TimelineKind::Referral => "Referral",
            TimelineKind::Contact => "Contact attempts",
            TimelineKind::Session => "Sessions",
            TimelineKind::Plan => "Plan",
            TimelineKind::Connection => "Community services",
            TimelineKind::Message => "Messages sent",
            TimelineKind::Note => "Case notes",
        }
    }

    /// A filter as typed: empty is every kind; anything else must be a code.
    pub fn parse_filter(raw: &str, field: &str) -> Result<Option<TimelineKind>, ValidationErrors> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Ok(None);
        }
        TimelineKind::ALL
            .into_iter()
            .find(|k| k.code() == raw)
            .map(Some)
            .ok_or_else(|| ValidationErrors::single(field, "Select what to show from the list"))
    }
}

/// What an entry links to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimelineRecord {
    None,
    Session(SessionId),
    PlanVersion(i64),
    Connection(linkwell_domain::PrescriptionId),
    /// A case note: its current version and those it corrected, newest first.
    Note {
        current: CaseNote,
        earlier: Vec<CaseNote>,
    },
}

/// One thing that happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineEntry {
    /// When (ms); a thing of a whole day (a note, a connection) is at the day's start.
    pub at: i64,
    /// Whether `at` is a day rather than a time.
    pub whole_day: bool,
    pub kind: TimelineKind,
    pub what: String,
    /// What was written with it (a note, a session's notes).
    pub text: Option<String>,
    /// Who did it, by name.
    pub by: Option<String>,
    pub safeguarding: bool,
    pub record: TimelineRecord,
}

/// The case's timeline, newest first, only `only`'s kind if given.
pub async fn timeline(
    db: &Db,
    caller: &Caller,
    r: &Referral,
    only: Option<TimelineKind>,
) -> Result<Vec<TimelineEntry>, StoreError> {
    let scope = caller.scope();
    let wanted = |k: TimelineKind| only.is_none_or(|o| o == k);
    let history = if wanted(TimelineKind::Referral) || wanted(TimelineKind::Contact) {
        db.referral_history(&scope, r.id).await?
    } else {
        vec![]
    };
    let sessions = if wanted(TimelineKind::Session) { db.sessions_for_referral(&scope, r.id).await? } else { vec![] };
    let plans = if wanted(TimelineKind::Plan) { db.plan_versions(&scope, r.id).await? } else { vec![] };
    let connections =
        if wanted(TimelineKind::Connection) { db.prescriptions_for_referral(&scope, r.id).await? } else { vec![] };
    let messages =
        if wanted(TimelineKind::Message) { db.messages_sent_for_referral(&scope, r.id).await? } else { vec![] };
    let notes = if wanted(TimelineKind::Note) { db.case_notes(&scope, r.id).await? } else { vec![] };

    // Everyone named, looked up once.
    let mut named: Vec<String> = history
        .iter()
        .flat_map(|e| [e.actor_user_id, e.event.worker()])
        .flatten()
        .map(|u| u.to_string())
        .chain(sessions.iter().map(|s| s.worker_id.to_string()))
        .chain(plans.iter().filter_map(|p| p.saved_by.clone()))
        .chain(connections.iter().filter_map(|c| c.created_by.clone()))
        .chain(notes.iter().filter_map(|n| n.author_user_id.clone()))
        .collect();
    named.sort();
    named.dedup();
    let team = db.users_by_ids(&scope, &named).await?;
    let name = |id: Option<&str>| {
        id.and_then(|id| team.iter().find(|u| u.id.to_string() == id)).map(|u| u.display_name.clone())
    };
    let name_of = |id: Option<UserId>| name(id.map(|u| u.to_string()).as_deref());
    let day = |d: Date| london_day_start(d);

    let mut entries = Vec::new();
    for e in &history {
        let kind = if matches!(e.event, HistoryEvent::ContactAttempt { .. } | HistoryEvent::ContactMade) {
            TimelineKind::Contact
        } else {
            TimelineKind::Referral
        };
        if wanted(kind) {
            entries.push(entry(e.at, false, kind, event_label(&e.event, &name_of), None, name_of(e.actor_user_id)));
        }
    }
    if wanted(TimelineKind::Referral) {
        entries.push(entry(r.received_at, false, TimelineKind::Referral, "Referral received".into(), None, None));
    }
    for s in sessions {
        let what =
            format!("{}, {}: {}", s.kind.label(), s.mode.label().to_lowercase(), s.status.label().to_lowercase());
        let text = Some(s.notes.clone()).filter(|t| !t.trim().is_empty());
        let mut e = entry(s.starts_at, false, TimelineKind::Session, what, text, name_of(Some(s.worker_id)));
        e.record = TimelineRecord::Session(s.id);
        entries.push(e);
    }
    for p in plans {
        let what =
            if p.version == 1 { "Plan agreed".to_owned() } else { format!("Plan updated (version {})", p.version) };
        let mut e = entry(p.saved_at, false, TimelineKind::Plan, what, None, name(p.saved_by.as_deref()));
        e.record = TimelineRecord::PlanVersion(p.version);
        entries.push(e);
    }
    for c in connections {
        let what = format!("{} {}", c.kind.label(), c.service_name);
        let text = Some(c.notes.clone()).filter(|t| !t.trim().is_empty());
        let mut e =
            entry(day(c.prescribed_on), true, TimelineKind::Connection, what, text, name(c.created_by.as_deref()));
        e.record = TimelineRecord::Connection(c.id);
        entries.push(e);
        if let (Some(outcome), Some(on)) = (c.outcome, c.outcome_on) {
            let what = format!("{}: {}", c.service_name, outcome.label().to_lowercase());
            let text = Some(c.outcome_reason.clone()).filter(|t| !t.trim().is_empty());
            let mut e = entry(day(on), true, TimelineKind::Connection, what, text, None);
            e.record = TimelineRecord::Connection(c.id);
            entries.push(e);
        }
    }
    for m in messages {
        let purpose = if m.purpose == "session_reminder" { "session reminder" } else { m.purpose.as_str() };
        let what = format!("{} sent: {purpose}", m.channel.label());
        entries.push(entry(m.sent_at, false, TimelineKind::Message, what, None, None));
    }
    for mut versions in group_versions(notes) {
        let Some(current) = versions.pop() else { continue };
        versions.reverse();
        let mut e = entry(
            day(current.date),
            true,
            TimelineKind::Note,
            current.kind.label().to_owned(),
            Some(current.text.clone()),
            name(current.author_user_id.as_deref()),
        );
        e.safeguarding = current.safeguarding;
        e.record = TimelineRecord::Note { current, earlier: versions };
        entries.push(e);
    }
    entries.sort_by_key(|e| std::cmp::Reverse(e.at));
    Ok(entries)
}

fn entry(
    at: i64,
    whole_day: bool,
    kind: TimelineKind,
    what: String,
    text: Option<String>,
    by: Option<String>,
) -> TimelineEntry {
    TimelineEntry { at, whole_day, kind, what, text, by, safeguarding: false, record: TimelineRecord::None }
}

/// Notes (ordered by id, then version) grouped per note, oldest version first.
fn group_versions(notes: Vec<CaseNote>) -> Vec<Vec<CaseNote>> {
    let mut groups: Vec<Vec<CaseNote>> = Vec::new();
    for n in notes {
        match groups.last_mut() {
            Some(g) if g[0].id == n.id => g.push(n),
            _ => groups.push(vec![n]),
        }
    }
    groups
}

/// A referral event in words, naming the workers it involves.
pub fn event_label(event: &HistoryEvent, name_of: &dyn Fn(Option<UserId>) -> Option<String>) -> String {
    let worker = |w| name_of(Some(w)).unwrap_or_else(|| "a link worker".into());
    match *event {
        HistoryEvent::Accepted { worker: w } => format!("Accepted and assigned to {}", worker(w)),
        HistoryEvent::Reassigned { worker: w } => format!("Reassigned to {}", worker(w)),
        HistoryEvent::Declined => "Declined".into(),
        HistoryEvent::Redirected => "Redirected".into(),
        HistoryEvent::ContactAttempt { channel, outcome } if outcome.reached() => {
            format!("Contact made ({}: {})", channel.label(), outcome.label())
        }
        HistoryEvent::ContactAttempt { channel, outcome } => {
            format!("Contact attempt failed ({}: {})", channel.label(), outcome.label())
        }
        HistoryEvent::ContactMade => "Contact made".into(),
        HistoryEvent::FollowUpsExtended { extra } => format!("Follow-up limit extended by {extra}"),
        HistoryEvent::Discharged { .. } => "Discharged".into(),
    }
}

/// Write a case note on `r` (opened by the caller as a case they work).
pub async fn add_note(db: &Db, caller: &Caller, r: &Referral, fields: &NoteFields) -> Result<CaseNote, CaseError> {
    let input = NoteInput::parse(fields, london_date(r.received_at), crate::today()).map_err(CaseError::Invalid)?;
    Ok(db.add_case_note(&caller.scope(), &caller.actor(), r.id, &input).await?)
}

/// Correct a note on `r` whose current version is `version`, with the reason.
pub async fn correct_note(
    db: &Db,
    caller: &Caller,
    r: &Referral,
    note: CaseNoteId,
    version: i64,
    fields: &NoteFields,
    reason: &str,
) -> Result<CaseNote, CaseError> {
    let input = NoteInput::parse(fields, london_date(r.received_at), crate::today());
    let reason = correction_reason(reason);
    let (input, reason) = match (input, reason) {
        (Ok(i), Ok(r)) => (i, r),
        (i, r) => {
            let mut e = ValidationErrors::new();
            e.errors.extend(i.err().into_iter().flat_map(|e| e.errors));
            e.errors.extend(r.err().into_iter().flat_map(|e| e.errors));
            return Err(CaseError::Invalid(e));
        }
    };
    Ok(db.correct_case_note(&caller.scope(), &caller.actor(), r.id, note, version, &input, &reason).await?)
}

/// The current version of one note on `r`, with the versions it corrected.
pub async fn note_versions(
    db: &Db,
    caller: &Caller,
    r: &Referral,
    note: CaseNoteId,
) -> Result<Vec<CaseNote>, CaseError> {
    let versions: Vec<CaseNote> =
        db.case_notes(&caller.scope(), r.id).await?.into_iter().filter(|n| n.id == note).collect();
    if versions.is_empty() { Err(CaseError::NotFound) } else { Ok(versions) }
}
