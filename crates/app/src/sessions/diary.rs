//! Diaries: a worker's or a room's sessions over a period, each with whom it is with —
//! in full to those who may open the case, as initials to anyone else — where it is and
//! whose it is. Pages and the API read diaries through here, so the rule on names holds
//! for both.

use jiff::civil::Date;
use linkwell_domain::RoomId;
use linkwell_domain::authz::sees_case;
use linkwell_domain::calendar::{Event, calendar, initials};
use linkwell_domain::time::from_millis;
use linkwell_domain::time::london;
use linkwell_store::diary::DiaryOf;
use linkwell_store::practices::room_label;
use linkwell_store::sessions::Session;
use linkwell_store::users::User;
use linkwell_store::{Db, StoreError};

use crate::Caller;
use crate::organisation::worker_for;

/// One session in a diary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiaryItem {
    pub session: Session,
    /// The person's name when the caller may open the case; their initials otherwise.
    pub with: String,
    /// Whether the caller may open the case (and so was shown the name).
    pub opens_case: bool,
    /// The room and site, or how it is held (phone, video, home visit).
    pub place: String,
    /// The worker's display name.
    pub worker: Option<String>,
}

/// Whose diary a request is for: a room, or a worker (see [`worker_for`] for which).
pub enum Whose {
    Worker(Option<linkwell_domain::UserId>),
    Room(RoomId),
}

/// A diary over `[from, to)` London days: the worker's or room's name and its sessions in
/// time order. Another organisation's room, or a worker the caller may not see, is
/// `NotFound`.
pub async fn diary(
    db: &Db,
    caller: &Caller,
    whose: Whose,
    from: Date,
    to: Date,
) -> Result<(String, DiaryOf, Vec<DiaryItem>), StoreError> {
    let scope = caller.scope();
    let sites = db.sites_with_rooms(&scope).await?;
    let (name, of) = match whose {
        Whose::Worker(requested) => {
            let worker: User = worker_for(db, caller, requested).await?;
            (worker.display_name, DiaryOf::Worker(worker.id))
        }
        Whose::Room(room) => (room_label(&sites, room).ok_or(StoreError::NotFound)?, DiaryOf::Room(room)),
    };
    let ms = |d: Date| d.to_zoned(london()).map(|z| z.timestamp().as_millisecond()).map_err(|_| StoreError::NotFound);
    let entries = db.diary(&scope, of, ms(from)?, ms(to)?).await?;
    let mut worker_ids: Vec<String> = entries.iter().map(|e| e.session.worker_id.to_string()).collect();
    worker_ids.sort();
    worker_ids.dedup();
    let team = db.users_by_ids(&scope, &worker_ids).await?;
    let items = entries
        .into_iter()
        .map(|e| {
            let opens_case = sees_case(caller.user.role, e.session.worker_id == caller.user.id);
            DiaryItem {
                with: if opens_case {
                    format!("{} {}", e.given_name, e.family_name)
                } else {
                    initials(&e.given_name, &e.family_name)
                },
                opens_case,
                place: e
                    .session
                    .room_id
                    .and_then(|id| room_label(&sites, id))
                    .unwrap_or_else(|| e.session.mode.label().to_owned()),
                worker: team.iter().find(|u| u.id == e.session.worker_id).map(|u| u.display_name.clone()),
                session: e.session,
            }
        })
        .collect();
    Ok((name, of, items))
}

/// A stretch of a worker's hours with no session in it, from now on (epoch ms).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FreePeriod {
    pub starts_at: i64,
    pub ends_at: i64,
}

/// The shortest free time worth offering: the shortest session a programme books.
const SHORTEST_FREE_MINUTES: i64 = 30;

/// A worker's free time over `[from, to)` London days: their working hours less the
/// sessions in `items` that take up time, from now on, each at least
/// [`SHORTEST_FREE_MINUTES`] long — where a session can be booked from the diary.
pub async fn free_time(
    db: &Db,
    caller: &Caller,
    worker: linkwell_domain::UserId,
    from: Date,
    to: Date,
    items: &[DiaryItem],
) -> Result<Vec<FreePeriod>, StoreError> {
    use linkwell_domain::sessions::free_periods;
    let week = db.working_week(&caller.scope(), worker).await?;
    let now = jiff::Timestamp::now().to_zoned(london());
    let shortest = jiff::SignedDuration::from_mins(SHORTEST_FREE_MINUTES);
    let wall = |ms: i64| from_millis(ms).to_zoned(london());
    let mut free = Vec::new();
    let mut day = from;
    while day < to {
        let weekday = day.weekday().to_monday_one_offset();
        if let Some((_, Some((open, close)))) = week.iter().find(|(d, _)| *d == weekday) {
            // Today's free time starts now, at the next quarter hour.
            let open = if day == now.date() {
                let minutes = i32::from(now.hour()) * 60 + i32::from(now.minute());
                let next = (minutes + 14) / 15 * 15;
                // After 23:45 the next quarter hour is tomorrow: nothing is left today.
                let starts = if next < 24 * 60 {
                    jiff::civil::Time::new((next / 60) as i8, (next % 60) as i8, 0, 0).unwrap_or(*close)
                } else {
                    *close
                };
                (*open).max(starts)
            } else {
                *open
            };
            let busy: Vec<_> = items
                .iter()
                .filter(|e| e.session.worker_id == worker && !e.session.status.is_cancelled())
                .filter(|e| wall(e.session.starts_at).date() == day)
                .map(|e| (wall(e.session.starts_at).time(), wall(e.session.ends_at).time()))
                .collect();
            if day >= now.date() && open < *close {
                for (s, e) in free_periods((open, *close), &busy, shortest) {
                    let ms = |t: jiff::civil::Time| {
                        day.to_datetime(t).to_zoned(london()).map(|z| z.timestamp().as_millisecond())
                    };
                    if let (Ok(starts_at), Ok(ends_at)) = (ms(s), ms(e)) {
                        free.push(FreePeriod { starts_at, ends_at });
                    }
                }
            }
        }
        day = match day.tomorrow() {
            Ok(d) => d,
            Err(_) => break,
        };
    }
    Ok(free)
}

/// A new secret address for the caller's calendar feed; the old one stops working. The
/// secret is shown once and stored only as a hash.
pub async fn new_calendar_feed(db: &Db, caller: &Caller) -> Result<linkwell_domain::identity::Secret, StoreError> {
    let secret = linkwell_domain::identity::Secret::generate("cal_");
    db.create_calendar_feed(&caller.scope(), &caller.actor(), caller.user.id, &secret.hash()).await?;
    Ok(secret)
}

/// Turn the caller's calendar feed off: its address no longer works. Whether there was one.
pub async fn revoke_calendar_feed(db: &Db, caller: &Caller) -> Result<bool, StoreError> {
    db.revoke_calendar_feed(&caller.scope(), &caller.actor(), caller.user.id).await
}

/// A calendar feed as a subscriber's calendar reads it (iCalendar text), for the owner of
/// the secret address `token`: their sessions from 30 days ago to 180 days ahead, the
/// person by initials only (a calendar is not a safe place for names). `None` when the
/// address is unknown or revoked, or its owner no longer works cases.
pub async fn calendar_feed(db: &Db, token: &str) -> Result<Option<String>, StoreError> {
    let owner = match db.calendar_feed_owner(&linkwell_domain::identity::SecretHash::of(token)).await {
        Ok(owner) => owner,
        Err(StoreError::NotFound) => return Ok(None),
        Err(e) => return Err(e),
    };
    let (scope, user_id) = owner;
    let user = match db.user(&scope, user_id).await {
        Ok(user) if linkwell_domain::authz::allows(user.role, linkwell_domain::authz::Action::WorkCases) => user,
        Ok(_) | Err(StoreError::NotFound) => return Ok(None),
        Err(e) => return Err(e),
    };
    let (now, day) = (linkwell_store::now_ms(), 86_400_000);
    let entries = db.diary(&scope, DiaryOf::Worker(user_id), now - 30 * day, now + 180 * day).await?;
    let sites = db.sites_with_rooms(&scope).await?;
    let events: Vec<Event> = entries
        .iter()
        .map(|e| Event {
            uid: format!("{}@linkwell", e.session.id),
            starts: from_millis(e.session.starts_at),
            ends: from_millis(e.session.ends_at),
            summary: format!("{} with {}", e.session.kind.label(), initials(&e.given_name, &e.family_name)),
            location: Some(
                e.session
                    .room_id
                    .and_then(|id| room_label(&sites, id))
                    .unwrap_or_else(|| e.session.mode.label().into()),
            ),
            description: None,
            sequence: e.session.version,
            cancelled: e.session.status.is_cancelled(),
        })
        .collect();
    let name = format!("{} – Linkwell sessions", user.display_name);
    Ok(Some(calendar(&name, &events, jiff::Timestamp::now())))
}
