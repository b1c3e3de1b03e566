//! Outcomes (issue 14), one function per use case: a questionnaire recorded in a session
//! (or in a case, as the person's link records it), a person's scores over time, the cases
//! still missing a baseline, and a measure's change over paired scores for reports.
//! Recording and reading follow the case's access: whoever works the case.

use jiff::civil::Date;
use linkwell_domain::PersonId;
use linkwell_domain::ValidationErrors;
use linkwell_domain::ids::{ReferralId, SessionId};
use linkwell_domain::outcomes::instruments::Measure;
use linkwell_domain::outcomes::responses::{NewResponse, ResponseFields, baseline_and_latest};
use linkwell_domain::outcomes::statistics::{PairedChange, paired_change};
use linkwell_domain::sessions::{Outcome, SessionStatus};
use linkwell_store::outcomes::{OutcomeScore, Recorded};
use linkwell_store::{Db, OrgScope, StoreError};

use crate::Caller;
use crate::casework::{CaseError, open_case, open_person};

/// A questionnaire as recorded, with the scores it gave.
#[derive(Debug, Clone)]
pub struct Given {
    pub recorded: Recorded,
    pub response: NewResponse,
}

/// Record a questionnaire the person answered, in the case `referral` but in no session;
/// returns its id.
pub async fn record(
    db: &Db,
    caller: &Caller,
    referral: ReferralId,
    fields: &ResponseFields,
) -> Result<String, CaseError> {
    let r = open_case(db, caller, referral).await?;
    let response = NewResponse::parse(fields, crate::today()).map_err(CaseError::Invalid)?;
    let by = Some(caller.principal.user.id);
    let recorded =
        db.record_questionnaire(&caller.scope(), &caller.actor(), r.person_id, referral, None, &response, by).await?;
    Ok(recorded.id().to_owned())
}

/// Record a questionnaire the person answered in `session`: one that is happening or was
/// attended, on its day or after (the day answered is the session's unless given). Once a
/// session for each questionnaire: the same answers again record nothing new; other
/// answers are a `Conflict`.
pub async fn record_in_session(
    db: &Db,
    caller: &Caller,
    session: SessionId,
    fields: &ResponseFields,
) -> Result<Given, CaseError> {
    let (s, r) = crate::sessions::open_session(db, caller, session).await?;
    if !matches!(s.status, SessionStatus::Booked | SessionStatus::Ended(Outcome::Attended)) {
        return Err(CaseError::Invalid(ValidationErrors::single(
            "session",
            "Questionnaires are recorded in a session the person came to",
        )));
    }
    let day = linkwell_domain::time::london_date(s.starts_at);
    let today = crate::today();
    if day > today {
        return Err(CaseError::Invalid(ValidationErrors::single(
            "answered_on",
            "This session has not happened yet: record its questionnaires on the day",
        )));
    }
    let mut fields = fields.clone();
    if fields.answered_on.trim().is_empty() {
        fields.answered_on = day.to_string();
    }
    let response = NewResponse::parse(&fields, today).map_err(CaseError::Invalid)?;
    let by = Some(caller.principal.user.id);
    let recorded =
        db.record_questionnaire(&caller.scope(), &caller.actor(), r.person_id, r.id, Some(s.id), &response, by).await?;
    Ok(Given { recorded, response })
}

/// Which of `referrals` (cases the caller has already read) have no baseline yet.
pub async fn missing_baselines(
    db: &Db,
    scope: &OrgScope,
    referrals: &[ReferralId],
) -> Result<Vec<ReferralId>, StoreError> {
    let with = db.cases_with_baseline(scope, referrals).await?;
    Ok(referrals.iter().filter(|r| !with.contains(r)).copied().collect())
}

/// Every score of `person`'s, oldest first.
pub async fn person_outcomes(db: &Db, caller: &Caller, person: PersonId) -> Result<Vec<OutcomeScore>, CaseError> {
    open_person(db, caller, person).await?;
    Ok(db.person_outcomes(&caller.scope(), person).await?)
}

/// How `measure` changed from each case's baseline to its latest later score, among
/// scores answered on `from` to `to`, judged against `threshold`; `None` without pairs.
pub async fn measure_change(
    db: &Db,
    scope: &OrgScope,
    measure: &Measure,
    (from, to): (Date, Date),
    threshold: f64,
) -> Result<Option<PairedChange>, StoreError> {
    let scores = db.measure_scores(scope, measure.key, from, to).await?;
    Ok(paired_change(measure, &baseline_and_latest(&scores), threshold))
}
