//! What each role's home page leads the day with. A link worker starts from today's
//! sessions and the cases waiting on them; a coordinator from the referrals nobody holds
//! yet, those close to the response window, the team's caseloads and the follow-ups due;
//! a referrer from their practice's referrals by status. Every item is a task with one
//! next action, and every count names the filter of the list it counts, so the page and
//! the list cannot disagree. Pages and the API read it here.

use jiff::civil::Date;
use linkwell_domain::identity::Role;
use linkwell_domain::referrals::ReferralStatus;
use linkwell_domain::referrals::response::WindowDates;
use linkwell_domain::sessions::SessionStatus;
use linkwell_store::caseload::{ReferralFilter, ReferralOrder, ReferralSummary, WAITING, WaitingFigures};
use linkwell_store::directory::FollowUp;
use linkwell_store::{Db, StoreError};

use crate::Caller;
use crate::casework::{WorkerLoad, team_loads};
use crate::sessions::diary::{DiaryItem, Whose, diary};

/// How many items of each kind a home page lists; its count says how many there are, and
/// links to the whole list.
pub const LISTED: usize = 10;
/// A plan review this many days ahead is due: the worker books it now.
pub const REVIEW_NOTICE_DAYS: i64 = 7;

/// A role's home.
pub enum Home {
    LinkWorker(WorkerDay),
    Coordinator(TeamDay),
    Referrer(PracticeReferrals),
    /// Roles whose home is what they can do (admins, facilitators, commissioners).
    Other,
}

/// A link worker's day.
pub struct WorkerDay {
    pub today: Date,
    /// Today's sessions in time order, cancelled ones left out.
    pub sessions: Vec<DiaryItem>,
    /// Cases assigned to them that nobody has tried to contact yet.
    pub new_assignments: Vec<ReferralSummary>,
    /// Cases being contacted: another attempt to make.
    pub contact_attempts: Vec<ReferralSummary>,
    /// Active cases whose plan review has passed or falls within [`REVIEW_NOTICE_DAYS`].
    pub reviews_due: Vec<ReferralSummary>,
    /// Connections to community services due a follow-up today or before.
    pub follow_ups: Vec<FollowUp>,
    /// Their open cases flagged for safeguarding.
    pub safeguarding: Vec<ReferralSummary>,
}

/// A coordinator's day.
pub struct TeamDay {
    pub today: Date,
    pub waiting: WaitingFigures,
    /// The first referrals nobody is assigned to, most urgent then longest waiting.
    pub unassigned: Vec<ReferralSummary>,
    /// The first referrals close to the response window, most urgent then longest waiting.
    pub closing: Vec<ReferralSummary>,
    /// The members of the team with the most open cases, at most [`LISTED`]: first anyone
    /// disabled who still holds cases (to hand on), then the busiest, then by name. The
    /// whole team is [`crate::casework::team_loads`] (`/caseloads`).
    pub caseloads: Vec<WorkerLoad>,
    /// How many are in the whole team's list.
    pub team_size: usize,
    /// Follow-ups due across the team (the first 200, soonest due first).
    pub follow_ups: Vec<FollowUp>,
}

/// A referrer's view of what they and their practice referred.
pub struct PracticeReferrals {
    /// Each status with referrals in it, in the lifecycle's order, with how many.
    pub by_status: Vec<(&'static str, &'static str, i64)>,
    /// The newest few.
    pub newest: Vec<ReferralSummary>,
}

/// The caller's home.
pub async fn home(db: &Db, caller: &Caller) -> Result<Home, StoreError> {
    let today = crate::today();
    Ok(match caller.user.role {
        Role::LinkWorker => Home::LinkWorker(worker_day(db, caller, today).await?),
        Role::Coordinator => Home::Coordinator(team_day(db, caller, today).await?),
        Role::Referrer => Home::Referrer(practice_referrals(db, caller).await?),
        Role::Admin | Role::Facilitator | Role::Commissioner => Home::Other,
    })
}

async fn worker_day(db: &Db, caller: &Caller, today: Date) -> Result<WorkerDay, StoreError> {
    let scope = caller.scope();
    let tomorrow = today.tomorrow().unwrap_or(today);
    let (_, _, sessions) = diary(db, caller, Whose::Worker(None), today, tomorrow).await?;
    let sessions = sessions
        .into_iter()
        .filter(|s| !matches!(s.session.status, SessionStatus::Ended(o) if o.is_cancellation()))
        .collect();
    let cases = db.caseload(&scope, caller.user.id, crate::casework::CASELOAD_LIMIT).await?;
    let review_by = today.checked_add(jiff::Span::new().days(REVIEW_NOTICE_DAYS)).unwrap_or(today);
    let of = |pick: &dyn Fn(&ReferralSummary) -> bool| {
        let mut v: Vec<ReferralSummary> = cases.iter().filter(|r| pick(r)).cloned().collect();
        v.sort_by_key(|r| (r.urgency, r.received_at));
        v
    };
    let mut reviews_due = of(&|r| r.status == ReferralStatus::Active && review_date(r).is_some_and(|d| d <= review_by));
    reviews_due.sort_by_key(review_date);
    Ok(WorkerDay {
        today,
        sessions,
        new_assignments: of(&|r| r.status == ReferralStatus::Accepted),
        contact_attempts: of(&|r| matches!(r.status, ReferralStatus::Contacting { .. })),
        reviews_due,
        follow_ups: db.prescription_follow_ups_due(&scope, Some(caller.user.id), today).await?,
        safeguarding: of(&|r| r.safeguarding),
    })
}

fn review_date(r: &ReferralSummary) -> Option<Date> {
    r.next_review.as_deref().and_then(|d| d.parse().ok())
}

async fn team_day(db: &Db, caller: &Caller, today: Date) -> Result<TeamDay, StoreError> {
    let scope = caller.scope();
    let dates = WindowDates::on(today);
    let (closing_before, missed_before) = dates.instants();
    let waiting = db.waiting_figures(&scope, closing_before, missed_before).await?;
    let first = |filter: ReferralFilter| async move {
        let filter = ReferralFilter { statuses: WAITING.to_vec(), ..filter };
        db.referral_summaries(&scope, &filter, ReferralOrder::WAITING, None, LISTED).await.map(|p| p.items)
    };
    let unassigned = first(ReferralFilter { unassigned: true, ..Default::default() }).await?;
    let closing = first(ReferralFilter {
        received_from: Some(missed_before),
        received_before: Some(closing_before),
        ..Default::default()
    })
    .await?;
    let mut loads = team_loads(db, &scope).await?;
    loads.sort_by_key(|l| (std::cmp::Reverse(l.worker.disabled), std::cmp::Reverse(l.open)));
    Ok(TeamDay {
        today,
        waiting,
        unassigned,
        closing,
        team_size: loads.len(),
        caseloads: loads.into_iter().take(LISTED).collect(),
        follow_ups: db.prescription_follow_ups_due(&scope, None, today).await?,
    })
}

async fn practice_referrals(db: &Db, caller: &Caller) -> Result<PracticeReferrals, StoreError> {
    let scope = caller.scope();
    let counts = db.referral_counts_by_status(&scope, (caller.user.id, caller.user.practice_id)).await?;
    let by_status = crate::casework::STATUS_FILTERS
        .iter()
        .filter_map(|(code, label)| counts.iter().find(|(c, _)| c == code).map(|(_, n)| (*code, *label, *n)))
        .collect();
    let received = ReferralOrder { by: linkwell_store::caseload::SortBy::Received, descending: true };
    let newest = db.referral_summaries(&scope, &crate::casework::visible(caller), received, None, 5).await?.items;
    Ok(PracticeReferrals { by_status, newest })
}
