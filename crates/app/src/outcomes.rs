//! Outcomes (issue 14), one function per use case: a questionnaire recorded in a case, a
//! person's scores over time, and a measure's change over paired scores for reports.
//! Recording and reading follow the case's access: whoever works the case.

use jiff::civil::Date;
use linkwell_domain::PersonId;
use linkwell_domain::ids::ReferralId;
use linkwell_domain::outcomes::instruments::Measure;
use linkwell_domain::outcomes::responses::{NewResponse, ResponseFields, baseline_and_latest};
use linkwell_domain::outcomes::statistics::{PairedChange, paired_change};
use linkwell_store::outcomes::OutcomeScore;
use linkwell_store::{Db, OrgScope, StoreError};

use crate::Caller;
use crate::casework::{CaseError, open_case, open_person};

/// Record a questionnaire the person answered, in the case `referral`; returns its id.
pub async fn record(
    db: &Db,
    caller: &Caller,
    referral: ReferralId,
    fields: &ResponseFields,
) -> Result<String, CaseError> {
    let r = open_case(db, caller, referral).await?;
    let response = NewResponse::parse(fields, crate::today()).map_err(CaseError::Invalid)?;
    let by = Some(caller.principal.user.id);
    Ok(db.record_questionnaire(&caller.scope(), &caller.actor(), r.person_id, referral, &response, by).await?)
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
