//! Referrals through the API: intake (for GP systems and other integrations), the lists
//! each role may see, one referral (the whole case, or only its status for a referrer),
//! triage, contact attempts, discharge, the waiting list and caseloads.

use crate::input::{Path, Query};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use linkwell_domain::ids::ReferralId;
use linkwell_domain::people::{ContactChannel, PersonFields, PersonInput};
use linkwell_domain::referrals::{ContactOutcome, FollowUpExtension, ReferralFields, ReferralInput};
use linkwell_domain::time::DateEntry;
use linkwell_domain::{ValidationErrors, Version};
use linkwell_store::caseload::ReferralSummary;
use linkwell_store::people::Person;
use linkwell_store::referrals::{Change, ChangeError, Referral, ReferralEvent};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ApiJson, JsonBody, PageQuery, rfc3339};
use crate::auth::{Caller, Principal, Signed};
use crate::error::{ApiError, Problem};
use crate::state::AppState;
use linkwell_app::casework::{
    self, DuplicateChoice, Intake, IntakeDraft, IntakeOutcome, ProgrammeChoice, TeamList, TriageDecision, View,
    open_case, open_referral,
};

/// A referral as lists show it. A referrer sees only what the referral gave (the person's
/// names and date of birth as it named them, to know which referral is which) and its
/// status; the fields marked "case" are for the team that works it.
#[derive(Serialize, ToSchema)]
pub struct ReferralSummaryDto {
    pub id: String,
    /// Case.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub person_id: Option<String>,
    pub given_name: String,
    pub family_name: String,
    /// ISO date.
    #[schema(format = Date)]
    pub date_of_birth: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub practice_id: Option<String>,
    pub received_at: String,
    /// received, accepted, contacting, unable_to_contact, declined, redirected, active or discharged.
    pub status: String,
    /// When the status last changed.
    pub status_changed_at: String,
    /// Case: urgent, soon or routine.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub urgency: Option<String>,
    /// Case.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub needs: Option<Vec<String>>,
    /// Case.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assigned_worker_id: Option<String>,
    /// Case.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub safeguarding: Option<bool>,
    /// Case.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_session_at: Option<String>,
    /// Case: ISO date of the plan's next review.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_review: Option<String>,
    /// Status (the referrer's view): the NHS number the referral gave, ten digits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nhs_number: Option<String>,
}

impl ReferralSummaryDto {
    /// `r` as someone with `view` of it may see it.
    pub fn of(r: &ReferralSummary, view: View) -> Self {
        let case = view == View::Case;
        // A referrer sees the person as the referral named them, never the record's details.
        let (given_name, family_name, date_of_birth) = match view {
            View::Case => (r.given_name.clone(), r.family_name.clone(), r.date_of_birth.clone()),
            View::Status => (
                r.referred_as.given_name.clone(),
                r.referred_as.family_name.clone(),
                r.referred_as.date_of_birth.clone(),
            ),
        };
        ReferralSummaryDto {
            id: r.id.to_string(),
            person_id: case.then(|| r.person_id.to_string()),
            given_name,
            family_name,
            date_of_birth,
            practice_id: r.practice_id.map(|p| p.to_string()),
            received_at: rfc3339(r.received_at),
            status: r.status.code().into(),
            status_changed_at: rfc3339(r.status_changed_at),
            urgency: case.then(|| r.urgency.code().into()),
            needs: case.then(|| r.needs.iter().map(|n| n.code().to_owned()).collect()),
            assigned_worker_id: r.assigned_worker_id.filter(|_| case).map(|w| w.to_string()),
            safeguarding: case.then_some(r.safeguarding),
            next_session_at: r.next_session_at.filter(|_| case).map(rfc3339),
            next_review: r.next_review.clone().filter(|_| case),
            nhs_number: r.referred_as.nhs_number.clone().filter(|_| !case),
        }
    }
}

/// Lists for the team (caseloads, the waiting list) show the case.
impl From<&ReferralSummary> for ReferralSummaryDto {
    fn from(r: &ReferralSummary) -> Self {
        ReferralSummaryDto::of(r, View::Case)
    }
}

#[derive(Serialize, ToSchema)]
pub struct ReferralPage {
    pub items: Vec<ReferralSummaryDto>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// A person as the case shows them.
#[derive(Serialize, ToSchema)]
pub struct PersonDto {
    pub id: String,
    /// Ten digits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nhs_number: Option<String>,
    pub given_name: String,
    pub family_name: String,
    #[schema(format = Date)]
    pub date_of_birth: String,
    pub sex: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gender_identity: Option<String>,
    /// NHS Data Dictionary ethnic category code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ethnic_category: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postcode: Option<String>,
    pub address: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    pub preferred_channel: String,
    pub access_needs: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub practice_id: Option<String>,
    pub consent_contact: bool,
    /// To share their details with the community services they are referred to.
    pub consent_share: bool,
    /// To share a summary of their support with their GP practice (the discharge summary
    /// in full; otherwise the practice reads codes and dates only).
    pub consent_share_practice: bool,
    pub consent_feedback: bool,
    /// Set when this record was merged into another, which is the one to use.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merged_into: Option<String>,
    /// An NHS number the referral gave that is another record's: not this person's until
    /// a coordinator merges the two or corrects it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unconfirmed_nhs_number: Option<String>,
    pub version: i64,
}

impl From<&Person> for PersonDto {
    fn from(p: &Person) -> Self {
        PersonDto {
            id: p.id.to_string(),
            nhs_number: p.nhs_number.clone(),
            given_name: p.given_name.clone(),
            family_name: p.family_name.clone(),
            date_of_birth: p.date_of_birth.to_string(),
            sex: p.sex.code().into(),
            gender_identity: p.gender_identity.clone(),
            ethnic_category: p.ethnic_category.map(|e| e.code().to_owned()),
            postcode: p.postcode.clone(),
            address: p.address.clone(),
            phone: p.phone.clone(),
            email: p.email.clone(),
            preferred_channel: p.preferred_channel.code().into(),
            access_needs: p.access_needs.clone(),
            practice_id: p.practice_id.map(|id| id.to_string()),
            consent_contact: p.consent_contact,
            consent_share: p.consent_share,
            consent_share_practice: p.consent_share_practice,
            consent_feedback: p.consent_feedback,
            merged_into: p.merged_into.map(|id| id.to_string()),
            unconfirmed_nhs_number: p.unconfirmed_nhs_number.clone(),
            version: p.version,
        }
    }
}

/// What the case team sees beyond the status.
#[derive(Serialize, ToSchema)]
pub struct CaseDto {
    pub person: PersonDto,
    pub programme_id: String,
    pub source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub referrer_user_id: Option<String>,
    pub urgency: String,
    pub needs: Vec<String>,
    pub risk_flags: String,
    pub safeguarding: bool,
    pub free_text: String,
    pub failed_contact_attempts: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assigned_worker_id: Option<String>,
    pub follow_up_extension: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decline_reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirected_to: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discharge_summary: Option<String>,
}

/// One status a referral passed through, and when.
#[derive(Serialize, ToSchema)]
pub struct StatusChangeDto {
    pub status: String,
    pub at: String,
}

/// One referral. `case` is present only for those who work the case; a referrer gets
/// the status, the dates it changed and, once discharged, the outcome.
#[derive(Serialize, ToSchema)]
pub struct ReferralDto {
    pub id: String,
    pub status: String,
    pub received_at: String,
    pub status_changed_at: String,
    /// Every change of status, oldest first.
    pub status_history: Vec<StatusChangeDto>,
    /// The outcome once discharged: goals_met, declined_further_support, did_not_attend,
    /// moved_away, referred_to_clinical_service, died or other.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discharge_reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub practice_id: Option<String>,
    /// What the referrer and the person quote over the phone, like `LW-4K7-Q2M`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// Only when the referral is made: how many days people referred recently waited to
    /// be contacted (the median), when there are enough recent contacts to say.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_wait_days: Option<i64>,
    /// Send this back with a change.
    pub version: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub case: Option<CaseDto>,
}

fn referral_dto(r: &Referral, history: &[ReferralEvent], person: Option<&Person>) -> ReferralDto {
    ReferralDto {
        id: r.id.to_string(),
        status: r.status.code().into(),
        received_at: rfc3339(r.received_at),
        status_changed_at: rfc3339(r.status_changed_at),
        status_history: history
            .iter()
            .filter(|e| e.from_status != e.to_status)
            .map(|e| StatusChangeDto { status: e.to_status.clone(), at: rfc3339(e.at) })
            .collect(),
        discharge_reason: r.discharge_reason.map(|d| d.code().to_owned()),
        practice_id: r.practice_id.map(|p| p.to_string()),
        reference: r.reference.as_ref().map(|x| x.to_string()),
        expected_wait_days: None,
        version: r.version,
        case: person.map(|p| CaseDto {
            person: p.into(),
            programme_id: r.programme_id.to_string(),
            source: r.source.code().into(),
            referrer_user_id: r.referrer_user_id.map(|u| u.to_string()),
            urgency: r.urgency.code().into(),
            needs: r.needs.iter().map(|n| n.code().to_owned()).collect(),
            risk_flags: r.risk_flags.clone(),
            safeguarding: r.safeguarding,
            free_text: r.free_text.clone(),
            failed_contact_attempts: r.status.failed_attempts(),
            assigned_worker_id: r.assigned_worker_id.map(|w| w.to_string()),
            follow_up_extension: r.follow_up_extension,
            decline_reason: r.decline_reason.clone(),
            redirected_to: r.redirected_to.clone(),
            discharge_summary: r.discharge_summary.clone(),
        }),
    }
}

/// The person being referred, as an integration sends them.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct PersonBody {
    /// Ten digits; spaces and hyphens allowed.
    pub nhs_number: String,
    pub given_name: String,
    pub family_name: String,
    /// ISO date, like 1951-03-27.
    #[schema(format = Date)]
    pub date_of_birth: String,
    /// female, male, indeterminate or not_known.
    pub sex: String,
    pub gender_identity: String,
    pub ethnic_category: String,
    pub postcode: String,
    pub address: String,
    pub phone: String,
    pub email: String,
    /// phone, sms, email or letter.
    pub preferred_channel: String,
    pub access_needs: String,
    /// Ignored for referrers: their own practice is used.
    pub practice_id: String,
    pub consent_contact: bool,
    /// To share their details with the community services they are referred to.
    pub consent_share: bool,
    /// To share a summary of their support with their GP practice (the discharge summary
    /// in full; otherwise the practice reads codes and dates only).
    pub consent_share_practice: bool,
    pub consent_feedback: bool,
}

/// The referral's own fields.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct ReferralBodyFields {
    /// gp, practice_nurse, pharmacist, physiotherapist, other_primary_care, self or other_agency.
    pub source: String,
    /// Need codes: loneliness, mood_anxiety_stress, money_debt, employment, housing,
    /// physical_activity, long_term_condition, bereavement, caring, weight_eating,
    /// digital_inclusion, other.
    pub needs: Vec<String>,
    /// urgent, soon or routine.
    pub urgency: String,
    pub risk_flags: String,
    pub safeguarding: bool,
    pub free_text: String,
    pub consent_confirmed: bool,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewReferralBody {
    pub person: PersonBody,
    pub referral: ReferralBodyFields,
    /// Needed only when the organisation runs more than one programme.
    #[serde(default)]
    pub programme_id: Option<String>,
    /// An existing person this referral is for (staff only). Without it, the same NHS
    /// number is the same person, and possible duplicates are flagged for triage.
    #[serde(default)]
    pub person_id: Option<String>,
}

/// A person from an API body: errors named `prefix.field` (the date of birth as
/// `date_of_birth`). A referrer's own practice replaces any practice given.
pub fn parse_person(
    b: &PersonBody,
    own_practice: Option<linkwell_domain::PracticeId>,
    test_mode: bool,
    prefix: &str,
) -> Result<PersonInput, ValidationErrors> {
    let mut fields = PersonFields {
        nhs_number: b.nhs_number.clone(),
        given_name: b.given_name.clone(),
        family_name: b.family_name.clone(),
        date_of_birth: DateEntry::Iso(b.date_of_birth.clone()),
        sex: b.sex.clone(),
        gender_identity: b.gender_identity.clone(),
        ethnic_category: b.ethnic_category.clone(),
        postcode: b.postcode.clone(),
        address: b.address.clone(),
        phone: b.phone.clone(),
        email: b.email.clone(),
        preferred_channel: b.preferred_channel.clone(),
        access_needs: b.access_needs.clone(),
        practice_id: b.practice_id.clone(),
        consent_contact: b.consent_contact,
        consent_share: b.consent_share,
        consent_share_practice: b.consent_share_practice,
        consent_feedback: b.consent_feedback,
    };
    if let Some(practice) = own_practice {
        fields.practice_id = practice.to_string();
    }
    let today = linkwell_app::today();
    PersonInput::parse(&fields, test_mode, today).map_err(|e| under(prefix, e))
}

/// Prefix every field of `e` with `prefix.`, and rename the date-of-birth field.
fn under(prefix: &str, e: ValidationErrors) -> ValidationErrors {
    ValidationErrors {
        errors: e
            .errors
            .into_iter()
            .map(|mut f| {
                if f.field == "dob_day" {
                    f.field = "date_of_birth".into();
                }
                f.field = format!("{prefix}.{}", f.field);
                f
            })
            .collect(),
    }
}

impl From<ChangeError> for ApiError {
    fn from(e: ChangeError) -> Self {
        match e {
            ChangeError::Illegal(t) => ApiError::Conflict(t.to_string()),
            ChangeError::Untimely(u) => linkwell_store::StoreError::Untimely(u).into(),
            ChangeError::Store(s) => s.into(),
        }
    }
}

fn parse_referral_id(id: &str) -> Result<ReferralId, ApiError> {
    id.parse().map_err(|_| ApiError::NotFound)
}

/// Refer someone. Referrers refer for their own practice.
#[utoipa::path(post, operation_id = "createReferral", path = "/api/v1/referrals", tag = "referrals", request_body = NewReferralBody,
    responses((status = 201, body = ReferralDto), (status = 422, body = Problem), (status = 403, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    Signed(p): Signed,
    ApiJson(body): ApiJson<NewReferralBody>,
) -> Result<(StatusCode, Json<ReferralDto>), ApiError> {
    let mut errors = ValidationErrors::new();
    let duplicates = duplicate_choice(&p, body.person_id.as_deref(), &mut errors);
    let r = &body.referral;
    let fields = ReferralFields {
        source: r.source.clone(),
        needs: r.needs.clone(),
        urgency: r.urgency.clone(),
        risk_flags: r.risk_flags.clone(),
        safeguarding: r.safeguarding,
        free_text: r.free_text.clone(),
        consent_confirmed: r.consent_confirmed,
    };
    let draft = IntakeDraft {
        person: parse_person(&body.person, p.user.practice_id, p.organisation.test_mode, "person"),
        referral: ReferralInput::parse_by(p.user.role, &fields).map_err(|e| under("referral", e)),
        programme: ProgrammeChoice::Named(body.programme_id.as_deref().unwrap_or("")),
        practice_field: "person.practice_id",
        errors,
    };
    let intake = Intake::by(&p, draft.check(&state.db, &p.scope()).await?, duplicates);
    match casework::intake(&state.db, &p.scope(), &p.actor(), &intake).await {
        Ok(IntakeOutcome::Created { referral, .. }) => Ok((StatusCode::CREATED, created(&state, &p, &referral).await?)),
        Ok(IntakeOutcome::PossibleDuplicates(_)) => Err(ApiError::Internal("intake asked to check duplicates".into())),
        Err(linkwell_store::StoreError::NotFound) => {
            Err(ValidationErrors::single("person_id", "No such person in this organisation").into())
        }
        Err(e) => Err(e.into()),
    }
}

/// An existing person named in the body (staff who work cases only); otherwise a new
/// record, flagged at triage if it might be someone known.
fn duplicate_choice(p: &Caller, person_id: Option<&str>, errors: &mut ValidationErrors) -> DuplicateChoice {
    match person_id.map(str::trim) {
        Some(id) if !id.is_empty() && p.can(linkwell_domain::authz::Action::WorkCases) => match id.parse() {
            Ok(id) => DuplicateChoice::Existing(id),
            Err(_) => {
                errors.add("person_id", "person_id must be the id of a person");
                DuplicateChoice::CreateAndFlag
            }
        },
        Some(id) if !id.is_empty() => {
            errors.add("person_id", "Only staff who work cases may name an existing person");
            DuplicateChoice::CreateAndFlag
        }
        _ => DuplicateChoice::CreateAndFlag,
    }
}

/// A new referral as its maker may see it: staff who may work the case get it back whole,
/// a referrer gets its status.
async fn created(state: &AppState, p: &Caller, referral: &Referral) -> Result<Json<ReferralDto>, ApiError> {
    let Json(mut dto) = if casework::view_of(p, referral) == Some(View::Case) {
        shown(state, p, referral.id).await?
    } else {
        let history = state.db.referral_history(&p.scope(), referral.id).await?;
        Json(referral_dto(referral, &history, None))
    };
    dto.expected_wait_days = casework::expected_wait(&state.db, &p.scope()).await?;
    Ok(Json(dto))
}

/// The filters, search and order of the team's lists (all referrals, the waiting list,
/// caseloads); each one given narrows the list.
#[derive(Deserialize, IntoParams, Default)]
#[serde(default)]
pub struct ListParams {
    /// A status code (on the waiting list and caseloads, one of theirs).
    #[param(schema_with = super::codes::referral_status)]
    pub status: String,
    #[param(schema_with = super::codes::urgency)]
    pub urgency: String,
    /// Coordinators: workers' ids separated by commas, or `none` for referrals nobody is
    /// assigned to (not on caseloads). Ignored for anyone else, whose list is their own.
    pub assigned: String,
    /// A practice's id.
    pub practice: String,
    /// Referrals giving this need among their reasons.
    #[param(schema_with = super::codes::need)]
    pub need: String,
    /// `closing`: close to the 14-day response window (10 to 14 days waiting); `missed`: past it.
    #[param(schema_with = super::codes::response_window)]
    pub window: String,
    /// A name (a typo forgiven), NHS number, date of birth (ISO 8601) or postcode; for a
    /// referrer, a name, NHS number or date of birth as their referrals gave them. Audited.
    pub search: String,
    /// The column to sort by; each list has its own order when none is given.
    #[param(schema_with = super::codes::list_sort)]
    pub sort: String,
    /// `ascending` (the default) or `descending`.
    #[param(schema_with = super::codes::sort_direction)]
    pub direction: String,
}

impl ListParams {
    fn fields(&self) -> casework::ListFields<'_> {
        casework::ListFields {
            status: &self.status,
            urgency: &self.urgency,
            assigned: &self.assigned,
            practice: &self.practice,
            need: &self.need,
            window: &self.window,
            search: &self.search,
            sort: &self.sort,
            direction: &self.direction,
        }
    }
}

/// The referrals the caller may see: a referrer their own and their practice's, a link
/// worker their cases, a coordinator everyone's. Newest received first unless sorted.
#[utoipa::path(get, operation_id = "listReferrals", path = "/api/v1/referrals", tag = "referrals", params(ListParams, PageQuery),
    responses((status = 200, body = ReferralPage), (status = 422, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    Signed(p): Signed,
    Query(q): Query<ListParams>,
    Query(page): Query<PageQuery>,
) -> Result<Json<ReferralPage>, ApiError> {
    let listed =
        casework::team_list(&state.db, &p, TeamList::All, &q.fields(), page.cursor.as_deref(), page.limit()?).await?;
    // The filter gives each role only what it may follow: the team its cases, a referrer
    // the referrals they or their practice made, which they see the status of.
    let view = if p.can(linkwell_domain::authz::Action::WorkCases) { View::Case } else { View::Status };
    let items = listed.page.items.iter().map(|r| ReferralSummaryDto::of(r, view)).collect();
    Ok(Json(ReferralPage { items, next_cursor: listed.page.next_cursor }))
}

/// One referral: the whole case for its team, the status alone for its referrer.
#[utoipa::path(get, operation_id = "getReferral", path = "/api/v1/referrals/{id}", tag = "referrals", params(("id" = String, Path)),
    responses((status = 200, body = ReferralDto), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get(
    State(state): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
) -> Result<Json<ReferralDto>, ApiError> {
    shown(&state, &p, parse_referral_id(&id)?).await
}

/// A referral as the principal may see it: the case (an audited read) or its status.
async fn shown(state: &AppState, p: &Caller, id: ReferralId) -> Result<Json<ReferralDto>, ApiError> {
    let (r, view) = open_referral(&state.db, p, id).await?;
    let person = match view {
        View::Case => Some(state.db.person(&p.scope(), r.person_id).await?),
        View::Status => None,
    };
    let history = state.db.referral_history(&p.scope(), r.id).await?;
    Ok(Json(referral_dto(&r, &history, person.as_ref())))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TriageBody {
    /// accept, reassign, decline or redirect.
    pub action: String,
    /// The version you read.
    pub version: i64,
    /// For accept and reassign: the link worker.
    #[serde(default)]
    pub worker_id: Option<String>,
    /// For decline: why.
    #[serde(default)]
    pub reason: Option<String>,
    /// For redirect: to which service.
    #[serde(default)]
    pub redirected_to: Option<String>,
}

async fn opened(state: &AppState, p: &Caller, id: &str) -> Result<Referral, ApiError> {
    Ok(open_case(&state.db, p, parse_referral_id(id)?).await?)
}

async fn answer(state: &AppState, p: &Principal, r: &Referral) -> Result<Json<ReferralDto>, ApiError> {
    let person = state.db.person(&p.scope(), r.person_id).await?;
    let history = state.db.referral_history(&p.scope(), r.id).await?;
    Ok(Json(referral_dto(r, &history, Some(&person))))
}

/// Triage a referral (coordinators): accept and assign, reassign, decline or redirect.
#[utoipa::path(post, operation_id = "triageReferral", path = "/api/v1/referrals/{id}/triage", tag = "referrals", params(("id" = String, Path)), request_body = TriageBody,
    responses((status = 200, body = ReferralDto), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn triage(
    State(state): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
    body: JsonBody,
) -> Result<Json<ReferralDto>, ApiError> {
    let r = opened(&state, &p, &id).await?;
    let body: TriageBody = body.parse()?;
    let worker = async |raw: &Option<String>| {
        casework::chosen_worker(&state.db, &p.scope(), raw.as_deref().unwrap_or(""), "worker_id").await
    };
    let text = |raw: &Option<String>| raw.as_deref().unwrap_or("").to_owned();
    let decision = match body.action.trim() {
        "accept" => TriageDecision::Accept(worker(&body.worker_id).await?),
        "reassign" => TriageDecision::Reassign(worker(&body.worker_id).await?),
        "decline" => casework::decline_reason(&text(&body.reason), "reason")?,
        "redirect" => casework::redirect_destination(&text(&body.redirected_to), "redirected_to")?,
        _ => {
            let why = "action must be accept, reassign, decline or redirect";
            return Err(ValidationErrors::single("action", why).into());
        }
    };
    let changed = casework::triage(&state.db, &p, &r, Version(body.version), decision).await?;
    answer(&state, &p, &changed).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactAttemptBody {
    pub version: i64,
    /// phone, sms, email or letter.
    pub channel: String,
    /// reached, no_answer, left_message, wrong_number or not_delivered.
    pub outcome: String,
}

/// Record an attempt to contact the person. After the programme's limit of failed
/// attempts the referral closes as unable to contact.
#[utoipa::path(post, operation_id = "recordContactAttempt", path = "/api/v1/referrals/{id}/contact-attempts", tag = "referrals", params(("id" = String, Path)), request_body = ContactAttemptBody,
    responses((status = 200, body = ReferralDto), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn contact_attempt(
    State(state): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
    body: JsonBody,
) -> Result<Json<ReferralDto>, ApiError> {
    let r = opened(&state, &p, &id).await?;
    let body: ContactAttemptBody = body.parse()?;
    let mut e = ValidationErrors::new();
    let channel = e.check("channel", ContactChannel::parse(&body.channel));
    let outcome = e.check("outcome", ContactOutcome::parse(&body.outcome));
    let (Some(channel), Some(outcome)) = (channel, outcome) else { return Err(e.into()) };
    let change = Change::contact_attempt(channel, outcome);
    let changed = state.db.change_referral(&p.scope(), &p.actor(), r.id, Version(body.version), change).await?;
    answer(&state, &p, &changed).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DischargeBody {
    pub version: i64,
    /// goals_met, declined_further_support, did_not_attend, moved_away,
    /// referred_to_clinical_service, died or other.
    pub reason: String,
    /// The summary for the practice.
    pub summary: String,
}

/// Discharge an active referral.
///
/// Sessions still booked from now on are cancelled by the service, with their reminders;
/// a discharge before a session attended is refused (422).
#[utoipa::path(post, operation_id = "dischargeReferral", path = "/api/v1/referrals/{id}/discharge", tag = "referrals", params(("id" = String, Path)), request_body = DischargeBody,
    responses((status = 200, body = ReferralDto), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn discharge(
    State(state): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
    body: JsonBody,
) -> Result<Json<ReferralDto>, ApiError> {
    let r = opened(&state, &p, &id).await?;
    let body: DischargeBody = body.parse()?;
    let discharge = casework::discharge_of(&body.reason, &body.summary)?;
    let changed = casework::discharge(&state.db, &p, &r, Version(body.version), discharge).await?;
    answer(&state, &p, &changed).await
}

/// The waiting list: open referrals not yet seen, most urgent first, then oldest, unless
/// sorted otherwise.
#[utoipa::path(get, operation_id = "getWaitingList", path = "/api/v1/waiting-list", tag = "referrals", params(PageQuery, ListParams),
    responses((status = 200, body = ReferralPage), (status = 422, body = Problem)))]
pub async fn waiting_list(
    State(state): State<AppState>,
    Signed(p): Signed,
    Query(q): Query<PageQuery>,
    Query(w): Query<ListParams>,
) -> Result<Json<ReferralPage>, ApiError> {
    let listed =
        casework::team_list(&state.db, &p, TeamList::Waiting, &w.fields(), q.cursor.as_deref(), q.limit()?).await?;
    let page = listed.page;
    Ok(Json(ReferralPage { items: page.items.iter().map(Into::into).collect(), next_cursor: page.next_cursor }))
}

#[derive(Deserialize, IntoParams)]
pub struct CaseloadParams {
    /// A coordinator may name a worker, or several separated by commas (the same as
    /// `assigned`); anyone else always gets their own.
    pub worker: Option<String>,
}

/// A caseload: every open referral assigned to the worker (or workers), soonest session
/// first unless sorted.
#[utoipa::path(get, operation_id = "getCaseload", path = "/api/v1/caseload", tag = "referrals", params(CaseloadParams, ListParams),
    responses((status = 200, body = ReferralPage), (status = 422, body = Problem)))]
pub async fn caseload(
    State(state): State<AppState>,
    Signed(p): Signed,
    Query(q): Query<CaseloadParams>,
    Query(mut list): Query<ListParams>,
) -> Result<Json<ReferralPage>, ApiError> {
    if let Some(worker) = q.worker.filter(|w| !w.trim().is_empty()) {
        list.assigned = worker;
    }
    let c = casework::caseload(&state.db, &p, &list.fields()).await?;
    let items = c.active.iter().chain(&c.waiting).map(Into::into).collect();
    Ok(Json(ReferralPage { items, next_cursor: None }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtensionBody {
    /// The version of the referral you read; a stale one is refused with 409.
    pub version: i64,
    /// How many more follow-up sessions, 1 to 10.
    pub extra: u32,
    /// Why the person needs them (kept with the case).
    pub reason: String,
}

/// Allow more follow-up sessions than the programme's limit for this referral
/// (coordinators), with the reason.
#[utoipa::path(post, operation_id = "extendFollowUps", path = "/api/v1/referrals/{id}/follow-up-extension", tag = "referrals", params(("id" = String, Path)), request_body = ExtensionBody,
    responses((status = 200, body = ReferralDto), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn extend_follow_ups(
    State(state): State<AppState>,
    Signed(p): Signed,
    Path(id): Path<String>,
    body: JsonBody,
) -> Result<Json<ReferralDto>, ApiError> {
    let r = open_case(&state.db, &p, parse_referral_id(&id)?).await?;
    let body: ExtensionBody = body.parse()?;
    let extension = FollowUpExtension::parse(&body.extra.to_string(), &body.reason).map_err(|e| ValidationErrors {
        errors: e
            .errors
            .into_iter()
            .map(|mut f| {
                if f.field == "extension_reason" {
                    f.field = "reason".into();
                }
                f
            })
            .collect(),
    })?;
    let saved = state.db.extend_follow_ups(&p.scope(), &p.actor(), r.id, Version(body.version), &extension).await?;
    shown(&state, &p, saved.id).await
}
