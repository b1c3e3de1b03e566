//! Groups the team runs (PRODUCT.md journey 6), one function per use case for pages, the
//! API and background jobs alike. A group is one of the organisation's own listings
//! (run by "our own team"); making it a group adds what running it needs, and its
//! sessions are kept from today to the horizon from the listing's schedule.
//!
//! It covers making a listing a group, its settings and facilitators, its
//! sessions generated and regenerated from the schedule — when the group is made, when
//! its listing changes, and every hour as the horizon moves ([`run`]) — and its members,
//! waiting list and one-off changes to a session ([`members`]), registers on a phone
//! ([`registers`]), feedback after a session ([`feedback`]), members' stories
//! ([`stories`]) and each group's figures.

pub mod feedback;
pub mod members;
pub mod registers;
pub mod stories;

use jiff::Timestamp;
use jiff::civil::Date;
use linkwell_domain::directory::ProviderKind;
use linkwell_domain::groups::sessions::{Occurrence, horizon_end, occurrences};
use linkwell_domain::groups::{GroupFields, GroupSettings};
use linkwell_domain::identity::Role;
use linkwell_domain::{ServiceId, UserId, ValidationErrors, Version};
use linkwell_store::directory::{Service, ServiceFilter, ServiceSummary};
use linkwell_store::groups::{Group, GroupSession, GroupSessionStatus, SessionsRegenerated};
use linkwell_store::users::{User, UserFilter};
use linkwell_store::{Actor, Db, OrgScope, StoreError};

use crate::Caller;
use crate::casework::CaseError;

/// The sessions `listing`'s schedules give from `today` to the horizon, one per date (the
/// first schedule's times where two give the same date), the listing's dates off left
/// out.
pub fn planned_sessions(listing: &Service, today: Date) -> Vec<Occurrence> {
    planned_between(listing, today, horizon_end(today))
}

/// The sessions `listing`'s schedules give on `from` to `to`, as [`planned_sessions`]
/// (a group's past, for a list of members brought in with their history).
pub fn planned_between(listing: &Service, from: Date, to: Date) -> Vec<Occurrence> {
    let off: Vec<Date> = listing.exceptions.iter().map(|e| e.date).collect();
    let mut planned: Vec<Occurrence> = Vec::new();
    for s in &listing.schedules {
        for o in occurrences(&s.schedule, from, to, &off) {
            if !planned.iter().any(|p| p.date == o.date) {
                planned.push(o);
            }
        }
    }
    planned.sort_by_key(|o| o.date);
    planned
}

/// Make the listing `service` a group the team runs, and generate its sessions. Only the
/// organisation's own listings can be: a group the team does not run has no register
/// here.
pub async fn make_group(
    db: &Db,
    caller: &Caller,
    service: ServiceId,
    fields: &GroupFields,
) -> Result<(Group, SessionsRegenerated), CaseError> {
    let scope = caller.scope();
    let listing = db.service(&scope, service).await?;
    let settings = GroupSettings::parse(fields);
    let mut errors = settings.as_ref().err().cloned().unwrap_or_default();
    if listing.provider_kind != ProviderKind::Own {
        errors.add("service_id", "Select one of your own team's listings: only those can be run as groups here");
    }
    let settings = match settings {
        Ok(s) if errors.is_empty() => s,
        _ => return Err(CaseError::Invalid(errors)),
    };
    let group = match db.create_group(&scope, &caller.actor(), service, &settings).await {
        Err(StoreError::Duplicate { .. }) => {
            return Err(CaseError::Invalid(ValidationErrors::single("service_id", "This listing is already a group")));
        }
        other => other?,
    };
    let made = keep_sessions(db, &scope, &caller.actor(), &listing, crate::today(), Timestamp::now()).await?;
    Ok((group, made))
}

/// Change a group's settings, if it is still at `version`.
pub async fn change_group(
    db: &Db,
    caller: &Caller,
    service: ServiceId,
    version: Version,
    fields: &GroupFields,
) -> Result<Group, CaseError> {
    let settings = GroupSettings::parse(fields).map_err(CaseError::Invalid)?;
    Ok(db.update_group(&caller.scope(), &caller.actor(), service, version, &settings).await?)
}

/// Name the group's facilitators, if it is still at `version`: users of the organisation
/// with the facilitator role.
pub async fn set_facilitators(
    db: &Db,
    caller: &Caller,
    service: ServiceId,
    version: Version,
    users: &[UserId],
) -> Result<(), CaseError> {
    let scope = caller.scope();
    if users.len() > linkwell_domain::validation::MAX_ROWS {
        let why = format!("Select no more than {} facilitators", linkwell_domain::validation::MAX_ROWS);
        return Err(CaseError::Invalid(ValidationErrors::single("facilitators", why)));
    }
    let ids: Vec<String> = users.iter().map(ToString::to_string).collect();
    let found = db.users_by_ids(&scope, &ids).await?;
    let facilitators =
        users.iter().all(|u| found.iter().any(|f| f.id == *u && f.role == Role::Facilitator && !f.disabled));
    if !facilitators {
        let why = "Select facilitators from the list: people with the facilitator role";
        return Err(CaseError::Invalid(ValidationErrors::single("facilitators", why)));
    }
    Ok(db.set_group_facilitators(&scope, &caller.actor(), service, version, users).await?)
}

/// Bring a group's sessions in line with its listing's schedule from `today` on: after
/// the schedule changes, and each day as the horizon moves (the past, and anything with a
/// register, stay as they were).
pub async fn keep_sessions(
    db: &Db,
    scope: &OrgScope,
    actor: &Actor,
    listing: &Service,
    today: Date,
    now: Timestamp,
) -> Result<SessionsRegenerated, StoreError> {
    let planned = planned_sessions(listing, today);
    db.regenerate_group_sessions(scope, actor, listing.id, today, &planned, now).await
}

/// After the listing `listing` changed (its schedule, its dates off): if it is a group,
/// its sessions follow.
pub async fn listing_changed(db: &Db, scope: &OrgScope, actor: &Actor, listing: &Service) -> Result<(), StoreError> {
    match db.group(scope, listing.id).await {
        Ok(_) => keep_sessions(db, scope, actor, listing, crate::today(), Timestamp::now()).await.map(|_| ()),
        Err(StoreError::NotFound) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Groups read at a time by [`keep_every_group`].
const GROUPS_A_BATCH: usize = 200;

/// Keep every organisation's groups' sessions to the horizon from `today` (one
/// transaction per group); returns how many sessions were added. A group that fails is
/// told in the log and the rest go on.
pub async fn keep_every_group(db: &Db, today: Date, now: Timestamp) -> Result<usize, StoreError> {
    keep_every_group_offering(db, today, now, None).await
}

/// [`keep_every_group`], and with `base_url` (the start of the links in messages) also
/// offer each group's free places to those waiting — places its capacity, raised since,
/// now has room for.
pub async fn keep_every_group_offering(
    db: &Db,
    today: Date,
    now: Timestamp,
    base_url: Option<&str>,
) -> Result<usize, StoreError> {
    let mut added = 0;
    let mut after = None;
    loop {
        let batch = db.every_group(after, GROUPS_A_BATCH).await?;
        for (scope, service) in &batch {
            let kept = match db.service(scope, *service).await {
                Ok(listing) => keep_sessions(db, scope, &Actor::system(), &listing, today, now).await,
                Err(e) => Err(e),
            };
            match kept {
                Ok(done) => added += done.added,
                Err(e) => tracing::warn!(error = %e, "a group's sessions could not be kept"),
            }
            if let Some(base) = base_url
                && let Err(e) = members::offer_free_places(db, scope, *service, base).await
            {
                tracing::warn!(error = %e, "a group's free places could not be offered");
            }
        }
        if batch.len() < GROUPS_A_BATCH {
            return Ok(added);
        }
        after = batch.last().copied();
    }
}

/// Until the process ends: every `every`, keep every group's sessions to the horizon and
/// offer free places to those waiting;
/// every minute, let offers of a place that passed their time lapse and offer them on
/// (links in messages start with `base_url`).
pub async fn run(db: Db, every: std::time::Duration, base_url: String) {
    let minute = std::time::Duration::from_secs(60);
    let mut kept_at: Option<tokio::time::Instant> = None;
    loop {
        if kept_at.is_none_or(|at| at.elapsed() >= every) {
            kept_at = Some(tokio::time::Instant::now());
            if let Err(e) = keep_every_group_offering(&db, crate::today(), Timestamp::now(), Some(&base_url)).await {
                tracing::warn!(error = %e, "groups' sessions could not be kept");
            }
        }
        if let Err(e) = members::lapse_offers(&db, &base_url, linkwell_store::now_ms()).await {
            tracing::warn!(error = %e, "offers of a place could not be lapsed");
        }
        tokio::time::sleep(minute.min(every)).await;
    }
}

/// A group as the list of groups shows it.
pub struct GroupSummary {
    pub group: Group,
    /// Its listing's name.
    pub name: String,
    /// The next session that goes ahead (not cancelled), from today.
    pub next: Option<GroupSession>,
    pub facilitators: usize,
}

/// The organisation's groups, in the order they were made.
pub async fn groups(db: &Db, caller: &Caller) -> Result<Vec<GroupSummary>, StoreError> {
    let scope = caller.scope();
    let today = crate::today();
    let groups = db.groups(&scope).await?;
    let listings = db.services_by_ids(&scope, &groups.iter().map(|g| g.service_id).collect::<Vec<_>>()).await?;
    let mut out = Vec::with_capacity(groups.len());
    for group in groups {
        let name = listings.iter().find(|l| l.id == group.service_id).map(|l| l.name.clone()).unwrap_or_default();
        let sessions = db.group_sessions(&scope, group.service_id, today, horizon_end(today)).await?;
        let next = sessions.into_iter().find(|s| s.status != GroupSessionStatus::Cancelled);
        let facilitators = db.group_facilitators(&scope, group.service_id).await?.len();
        out.push(GroupSummary { group, name, next, facilitators });
    }
    Ok(out)
}

/// The team's own listings that are not yet groups: what may be run as one.
pub async fn runnable_listings(db: &Db, caller: &Caller) -> Result<Vec<ServiceSummary>, StoreError> {
    let scope = caller.scope();
    let groups: Vec<ServiceId> = db.groups(&scope).await?.into_iter().map(|g| g.service_id).collect();
    let mut out = Vec::new();
    for provider in db.providers(&scope).await?.into_iter().filter(|p| p.kind == ProviderKind::Own) {
        let filter = ServiceFilter { provider_id: Some(provider.id), ..Default::default() };
        let (listings, _) = db.services_page(&scope, &filter, 0, 1000).await?;
        out.extend(listings.into_iter().filter(|l| !groups.contains(&l.id)));
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// A group whole, for its page.
pub struct GroupView {
    pub group: Group,
    pub listing: Service,
    pub facilitators: Vec<User>,
    /// Who may be chosen as a facilitator: the organisation's active facilitators.
    pub choosable: Vec<User>,
    /// From today to the horizon, in date order.
    pub sessions: Vec<GroupSession>,
    /// Its members, then places offered, then its waiting list.
    pub members: Vec<linkwell_store::group_members::Member>,
    /// The past four weeks' sessions, newest first, with how many came to each whose
    /// register was taken.
    pub past: Vec<(GroupSession, Option<i64>)>,
}

/// The group on the listing `service`; `NotFound` if it is not one of this
/// organisation's groups.
pub async fn group(db: &Db, caller: &Caller, service: ServiceId) -> Result<GroupView, CaseError> {
    let scope = caller.scope();
    let group = db.group(&scope, service).await?;
    let listing = db.service(&scope, service).await?;
    let ids: Vec<String> = db.group_facilitators(&scope, service).await?.iter().map(ToString::to_string).collect();
    let facilitators = db.users_by_ids(&scope, &ids).await?;
    let filter = UserFilter { role: Some(Role::Facilitator), disabled: Some(false), search: None };
    let choosable = db.users_by_name_page(&scope, &filter, None, 500).await?;
    let today = crate::today();
    let sessions = db.group_sessions(&scope, service, today, horizon_end(today)).await?;
    let members = db.group_members(&scope, service).await?;
    let four_weeks_ago = today.checked_sub(jiff::Span::new().weeks(4)).unwrap_or(today);
    let yesterday = today.yesterday().unwrap_or(today);
    let counts = db.attendance_counts(&scope, service, four_weeks_ago, today).await?;
    let mut past: Vec<(GroupSession, Option<i64>)> = db
        .group_sessions(&scope, service, four_weeks_ago, yesterday)
        .await?
        .into_iter()
        .map(|s| {
            let came = counts.iter().find(|(id, _)| *id == s.id).map(|(_, n)| *n);
            (s, came)
        })
        .collect();
    past.reverse();
    // Today's session, once its register is taken, counts among them too.
    let mut sessions = sessions;
    if let Some(first) = sessions.first()
        && first.on_date == today
        && first.register_taken_at.is_some()
    {
        let s = sessions.remove(0);
        let came = counts.iter().find(|(id, _)| *id == s.id).map(|(_, n)| *n);
        past.insert(0, (s, came));
    }
    Ok(GroupView { group, listing, facilitators, choosable, sessions, members, past })
}

/// The iCalendar feed of a group in the published directory: its sessions from four weeks
/// ago to the horizon, moves and cancellations included (a cancelled one is marked so, and
/// its reason given), so a calendar app that subscribed follows every change. `None`: the
/// listing is not a group, or is closed.
pub async fn public_calendar(db: &Db, scope: &OrgScope, service: ServiceId) -> Result<Option<String>, StoreError> {
    use linkwell_domain::calendar::{Event, calendar};
    match db.group(scope, service).await {
        Ok(_) => {}
        Err(StoreError::NotFound) => return Ok(None),
        Err(e) => return Err(e),
    }
    let listing = db.service(scope, service).await?;
    if matches!(listing.status, linkwell_domain::directory::ServiceStatus::Closed { .. }) {
        return Ok(None);
    }
    let today = crate::today();
    let from = today.checked_sub(jiff::Span::new().weeks(4)).unwrap_or(today);
    let usual = listing.locations.first().map(|l| l.label());
    let events: Vec<Event> = db
        .group_sessions(scope, service, from, horizon_end(today))
        .await?
        .iter()
        .map(|s| Event {
            uid: format!("{}@linkwell", s.id),
            starts: linkwell_domain::time::from_millis(s.starts_at),
            ends: linkwell_domain::time::from_millis(s.ends_at),
            summary: match s.status {
                GroupSessionStatus::Cancelled => format!("Cancelled: {}", listing.name),
                _ => listing.name.clone(),
            },
            location: if s.venue.is_empty() { usual.clone() } else { Some(s.venue.clone()) },
            description: (!s.reason.is_empty()).then(|| s.reason.clone()),
            sequence: s.version,
            cancelled: s.status == GroupSessionStatus::Cancelled,
        })
        .collect();
    Ok(Some(calendar(&listing.name, &events, Timestamp::now())))
}

/// How the group on `service` is doing: the past year's sessions to today.
pub async fn figures(
    db: &Db,
    scope: &OrgScope,
    service: ServiceId,
) -> Result<linkwell_domain::groups::figures::GroupFigures, StoreError> {
    let today = crate::today();
    let year_ago = today.checked_sub(jiff::Span::new().years(1)).unwrap_or(today);
    let (members, sessions) = db.group_figure_facts(scope, service, year_ago, today).await?;
    Ok(linkwell_domain::groups::figures::figures(&members, &sessions, linkwell_store::now_ms()))
}

/// Every group's figures, for the coordinator's dashboard and its CSV: each group's
/// listing, name and figures, in the order the groups were made.
pub async fn every_groups_figures(
    db: &Db,
    caller: &Caller,
) -> Result<Vec<(ServiceId, String, linkwell_domain::groups::figures::GroupFigures)>, StoreError> {
    let scope = caller.scope();
    let groups = db.groups(&scope).await?;
    let listings = db.services_by_ids(&scope, &groups.iter().map(|g| g.service_id).collect::<Vec<_>>()).await?;
    let mut out = Vec::with_capacity(groups.len());
    for g in groups {
        let name = listings.iter().find(|l| l.id == g.service_id).map(|l| l.name.clone()).unwrap_or_default();
        out.push((g.service_id, name, figures(db, &scope, g.service_id).await?));
    }
    Ok(out)
}

/// The groups' figures as CSV, one row per group (cells a spreadsheet would run as a
/// formula are written as text).
pub async fn figures_csv(db: &Db, caller: &Caller) -> Result<Vec<u8>, StoreError> {
    use crate::directory::csv::neutralise;
    let rows = every_groups_figures(db, caller).await?;
    let mut w = ::csv::Writer::from_writer(vec![]);
    let bad = |e: ::csv::Error| StoreError::Corrupt(format!("CSV: {e}"));
    w.write_record([
        "group",
        "signed_up",
        "members",
        "waiting",
        "sessions_held",
        "sessions_cancelled",
        "average_attendance",
        "attendance_rate",
        "retention_4_weeks",
        "retention_12_weeks",
        "prescribed_share",
    ])
    .map_err(bad)?;
    let f = |v: Option<f64>| v.map(|x| format!("{x:.2}")).unwrap_or_default();
    for (_, name, g) in rows {
        w.write_record([
            neutralise(&name).into_owned(),
            g.signed_up.to_string(),
            g.members.to_string(),
            g.waiting.to_string(),
            g.sessions_held.to_string(),
            g.sessions_cancelled.to_string(),
            f(g.average_attendance),
            f(g.attendance_rate),
            f(g.retention_4_weeks),
            f(g.retention_12_weeks),
            f(g.prescribed_share),
        ])
        .map_err(bad)?;
    }
    w.into_inner().map_err(|e| StoreError::Corrupt(format!("CSV: {e}")))
}
