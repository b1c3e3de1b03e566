//! The caller's home: what their day leads with, as the home page shows it.

use axum::Json;
use axum::extract::State;
use linkwell_app::casework::{View, WorkerLoad, team_loads};
use linkwell_app::home::{self, Home};
use linkwell_store::directory::FollowUp;
use serde::Serialize;
use utoipa::ToSchema;

use super::diary::DiaryItemDto;
use super::prescriptions::PrescriptionDto;
use super::referrals::ReferralSummaryDto;
use crate::auth::Signed;
use crate::error::ApiError;
use crate::state::AppState;

/// A role's home. Each role gets its own part; the others are absent.
#[derive(Serialize, ToSchema)]
pub struct HomeDto {
    /// The London date the day is for (ISO 8601).
    #[schema(format = Date)]
    pub date: String,
    /// A link worker's day.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub worker_day: Option<WorkerDayDto>,
    /// A coordinator's day.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team_day: Option<TeamDayDto>,
    /// A referrer's referrals.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub referrals: Option<PracticeReferralsDto>,
}

#[derive(Serialize, ToSchema)]
pub struct WorkerDayDto {
    /// Today's sessions in time order, cancelled ones left out.
    pub sessions: Vec<DiaryItemDto>,
    /// Cases assigned to the worker that nobody has tried to contact yet.
    pub new_assignments: Vec<ReferralSummaryDto>,
    /// Cases being contacted: another attempt to make.
    pub contact_attempts: Vec<ReferralSummaryDto>,
    /// Active cases whose plan review has passed or is within 7 days.
    pub reviews_due: Vec<ReferralSummaryDto>,
    /// Connections to community services due a follow-up today or before.
    pub follow_ups: Vec<FollowUpDto>,
    /// Open cases flagged for safeguarding.
    pub safeguarding: Vec<ReferralSummaryDto>,
}

/// A connection due a follow-up, with whom it is for.
#[derive(Serialize, ToSchema)]
pub struct FollowUpDto {
    pub prescription: PrescriptionDto,
    pub given_name: String,
    pub family_name: String,
}

impl From<FollowUp> for FollowUpDto {
    fn from(f: FollowUp) -> Self {
        FollowUpDto { prescription: f.prescription.into(), given_name: f.given_name, family_name: f.family_name }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TeamDayDto {
    /// Referrals waiting to be seen.
    pub waiting: i64,
    /// Of those, assigned to nobody (`GET /api/v1/waiting-list?assigned=none`).
    pub unassigned: i64,
    /// Of those, urgent (`?urgency=urgent`).
    pub urgent: i64,
    /// Of those, close to the 14-day response window (`?window=closing`).
    pub closing: i64,
    /// Of those, past it (`?window=missed`).
    pub missed: i64,
    /// The first unassigned referrals, most urgent then longest waiting.
    pub first_unassigned: Vec<ReferralSummaryDto>,
    /// The first referrals close to the response window.
    pub first_closing: Vec<ReferralSummaryDto>,
    /// The members of the team with the most open cases, at most ten: first anyone
    /// disabled who still holds cases (to hand on), then the busiest, then by name. The
    /// whole team is `GET /api/v1/caseloads`.
    pub caseloads: Vec<WorkerLoadDto>,
    /// How many are in the whole team's list.
    pub team_size: usize,
    /// Follow-ups due across the team (the first 200).
    pub follow_ups: Vec<FollowUpDto>,
}

#[derive(Serialize, ToSchema)]
pub struct WorkerLoadDto {
    pub worker_id: String,
    pub display_name: String,
    /// A worker since disabled who still holds cases (to hand on).
    pub disabled: bool,
    /// Accepted, being contacted or active.
    pub open: i64,
    /// Of those, active.
    pub active: i64,
}

impl From<WorkerLoad> for WorkerLoadDto {
    fn from(w: WorkerLoad) -> Self {
        WorkerLoadDto {
            worker_id: w.worker.id.to_string(),
            display_name: w.worker.display_name,
            disabled: w.worker.disabled,
            open: w.open,
            active: w.active,
        }
    }
}

/// The team's caseloads: everyone who can hold cases (the link workers and coordinators)
/// and anyone since disabled who still holds some, by name, each with their open cases.
#[utoipa::path(get, operation_id = "listCaseloads", path = "/api/v1/caseloads", tag = "referrals",
    responses((status = 200, body = [WorkerLoadDto]), (status = 401, body = crate::error::Problem), (status = 403, body = crate::error::Problem)))]
pub async fn caseloads(State(state): State<AppState>, Signed(p): Signed) -> Result<Json<Vec<WorkerLoadDto>>, ApiError> {
    Ok(Json(team_loads(&state.db, &p.scope()).await?.into_iter().map(Into::into).collect()))
}

#[derive(Serialize, ToSchema)]
pub struct PracticeReferralsDto {
    /// Each status with referrals in it, with how many (`GET /api/v1/referrals?status=…`).
    pub by_status: Vec<StatusCountDto>,
    /// The newest few.
    pub newest: Vec<ReferralSummaryDto>,
}

#[derive(Serialize, ToSchema)]
pub struct StatusCountDto {
    pub status: String,
    pub count: i64,
}

/// The caller's home: what their day leads with.
///
/// A link worker gets their sessions today and the tasks on their cases, a coordinator the
/// waiting list in figures (each the length of the waiting-list filter it names) and the
/// team's caseloads, a referrer their practice's referrals by status. Other roles get the
/// date only.
#[utoipa::path(get, operation_id = "getHome", path = "/api/v1/home", tag = "account",
    responses((status = 200, body = HomeDto), (status = 401, body = crate::error::Problem)))]
pub async fn home(State(state): State<AppState>, Signed(p): Signed) -> Result<Json<HomeDto>, ApiError> {
    let list = |v: Vec<_>| v.iter().map(ReferralSummaryDto::from).collect::<Vec<_>>();
    let mut dto =
        HomeDto { date: linkwell_app::today().to_string(), worker_day: None, team_day: None, referrals: None };
    match home::home(&state.db, &p).await? {
        Home::LinkWorker(d) => {
            dto.worker_day = Some(WorkerDayDto {
                sessions: d.sessions.into_iter().map(Into::into).collect(),
                new_assignments: list(d.new_assignments),
                contact_attempts: list(d.contact_attempts),
                reviews_due: list(d.reviews_due),
                follow_ups: d.follow_ups.into_iter().map(Into::into).collect(),
                safeguarding: list(d.safeguarding),
            })
        }
        Home::Coordinator(d) => {
            dto.team_day = Some(TeamDayDto {
                waiting: d.waiting.waiting,
                unassigned: d.waiting.unassigned,
                urgent: d.waiting.urgent,
                closing: d.waiting.closing,
                missed: d.waiting.missed,
                first_unassigned: list(d.unassigned),
                first_closing: list(d.closing),
                caseloads: d.caseloads.into_iter().map(Into::into).collect(),
                team_size: d.team_size,
                follow_ups: d.follow_ups.into_iter().map(Into::into).collect(),
            })
        }
        Home::Referrer(d) => {
            dto.referrals = Some(PracticeReferralsDto {
                by_status: d
                    .by_status
                    .into_iter()
                    .map(|(code, _, count)| StatusCountDto { status: code.into(), count })
                    .collect(),
                newest: d.newest.iter().map(|r| ReferralSummaryDto::of(r, View::Status)).collect(),
            })
        }
        Home::Other => {}
    }
    Ok(Json(dto))
}
