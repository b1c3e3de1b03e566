//! A group's feedback and its members' stories, through the API: the feedback given after
//! its sessions, and stories recorded with consent, listed and withdrawn. Feedback a
//! facilitator records on the day is with the registers ([`super::registers`]).

use crate::input::Path;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use linkwell_app::groups::{feedback, stories};
use linkwell_domain::ServiceId;
use linkwell_domain::groups::stories::StoryFields;
use linkwell_domain::ids::GroupStoryId;
use linkwell_store::group_feedback::FeedbackGiven;
use linkwell_store::group_stories::Story;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{JsonBody, rfc3339};
use crate::auth::Signed;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct FeedbackDto {
    pub id: String,
    pub session_id: String,
    /// The session's London date.
    #[schema(format = Date)]
    pub date: String,
    /// 1 (very poor) to 5 (very good).
    #[schema(minimum = 1, maximum = 5)]
    pub rating: u8,
    pub comment: String,
    /// `link` (the member, by their follow-up message) or `facilitator` (on the day).
    #[schema(pattern = "^(link|facilitator)$")]
    pub source: String,
    #[schema(format = DateTime)]
    pub created_at: String,
}

impl From<&FeedbackGiven> for FeedbackDto {
    fn from(f: &FeedbackGiven) -> Self {
        FeedbackDto {
            id: f.id.to_string(),
            session_id: f.session_id.to_string(),
            date: f.on_date.to_string(),
            rating: f.rating.get(),
            comment: f.comment.clone(),
            source: f.source.code().to_owned(),
            created_at: rfc3339(f.created_at),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct FeedbackSummaryDto {
    pub count: i64,
    /// The average rating, to one decimal place; absent before any.
    pub average: Option<f64>,
    /// The newest, at most 20.
    pub newest: Vec<FeedbackDto>,
}

/// The feedback on the group's sessions: how much, its average, and the newest.
#[utoipa::path(get, operation_id = "getGroupFeedback", path = "/api/v1/groups/{id}/feedback", tag = "groups", params(("id" = String, Path)),
    responses((status = 200, body = FeedbackSummaryDto), (status = 404, body = Problem)))]
pub async fn feedback(
    State(state): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
) -> Result<Json<FeedbackSummaryDto>, ApiError> {
    let id = super::path_id::<ServiceId>(&id)?;
    let f = feedback::summary(&state.db, &p, id).await?;
    Ok(Json(FeedbackSummaryDto {
        count: f.count,
        average: f.average,
        newest: f.newest.iter().map(Into::into).collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct StoryDto {
    pub id: String,
    /// The member who gave it.
    pub member_id: String,
    pub first_name: String,
    /// Empty once withdrawn.
    pub story: String,
    /// What may be shown outside the team: `first_name`, `anonymous` or `not_shown`.
    #[schema(pattern = "^(first_name|anonymous|not_shown)$")]
    pub display: String,
    #[schema(format = Date)]
    pub given_on: String,
    #[schema(format = DateTime)]
    pub recorded_at: String,
    #[schema(format = DateTime)]
    pub withdrawn_at: Option<String>,
}

impl From<&Story> for StoryDto {
    fn from(s: &Story) -> Self {
        StoryDto {
            id: s.id.to_string(),
            member_id: s.member_id.to_string(),
            first_name: s.first_name.clone(),
            story: s.story.clone(),
            display: s.display.code().to_owned(),
            given_on: s.given_on.to_string(),
            recorded_at: rfc3339(s.recorded_at),
            withdrawn_at: s.withdrawn_at.map(rfc3339),
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StoryBody {
    /// The member of the group who gave it.
    pub member_id: String,
    pub story: String,
    /// When they gave it (ISO 8601); absent: today.
    #[serde(default)]
    #[schema(format = Date)]
    pub given_on: String,
    /// `first_name`, `anonymous` or `not_shown`.
    pub display: String,
    /// They agreed to their story being used as `display` says: without it nothing is
    /// kept.
    pub consent: bool,
}

/// The group's stories, newest first; withdrawn ones without their words.
#[utoipa::path(get, operation_id = "listGroupStories", path = "/api/v1/groups/{id}/stories", tag = "groups", params(("id" = String, Path)),
    responses((status = 200, body = [StoryDto]), (status = 404, body = Problem)))]
pub async fn stories(
    State(state): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
) -> Result<Json<Vec<StoryDto>>, ApiError> {
    let id = super::path_id::<ServiceId>(&id)?;
    Ok(Json(stories::stories(&state.db, &p, id).await?.iter().map(Into::into).collect()))
}

/// Record a story a member gave, with their consent and what may be shown of it.
#[utoipa::path(post, operation_id = "recordGroupStory", path = "/api/v1/groups/{id}/stories", tag = "groups", params(("id" = String, Path)), request_body = StoryBody,
    responses((status = 201, body = StoryDto), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn record_story(
    State(state): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
    body: JsonBody,
) -> Result<(StatusCode, Json<StoryDto>), ApiError> {
    let id = super::path_id::<ServiceId>(&id)?;
    state.db.group(&p.scope(), id).await?;
    let b: StoryBody = body.parse()?;
    let fields = StoryFields {
        member: b.member_id,
        story: b.story,
        given_on: b.given_on,
        display: b.display,
        consent: b.consent,
    };
    let s = stories::record(&state.db, &p, id, &fields).await?;
    Ok((StatusCode::CREATED, Json((&s).into())))
}

/// Withdraw a story for the member who gave it: its words are gone from everywhere.
/// Withdrawing twice withdraws once.
#[utoipa::path(post, operation_id = "withdrawGroupStory", path = "/api/v1/groups/{id}/stories/{story}/withdraw", tag = "groups", params(("id" = String, Path), ("story" = String, Path)),
    responses((status = 200, body = StoryDto), (status = 404, body = Problem)))]
pub async fn withdraw_story(
    State(state): State<AppState>,
    Signed(p): Signed,
    Path((id, story)): Path<(String, String)>,
) -> Result<Json<StoryDto>, ApiError> {
    let id = super::path_id::<ServiceId>(&id)?;
    let story = super::path_id::<GroupStoryId>(&story)?;
    Ok(Json((&stories::withdraw(&state.db, &p, id, story).await?).into()))
}
