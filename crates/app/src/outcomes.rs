//! Outcomes (issue 14), one function per use case: a questionnaire recorded in a session
//! (or in a case, as the person's link records it), a person's scores over time, the cases
//! still missing a baseline, and a measure's change over paired scores for reports.
//! Recording and reading follow the case's access: whoever works the case.

use jiff::Timestamp;
use jiff::civil::Date;
use linkwell_domain::PersonId;
use linkwell_domain::ValidationErrors;
use linkwell_domain::identity::{Secret, SecretHash};
use linkwell_domain::ids::ReferralId;
use std::sync::Arc;

use linkwell_domain::outcomes::instruments::{Instrument, Measure, Timepoint};
use linkwell_domain::outcomes::own::{OwnDefinition, OwnFields};
use linkwell_domain::outcomes::questionnaire::{OwnQuestionnaire, Questionnaire};
use linkwell_domain::outcomes::responses::{NewResponse, ResponseFields, baseline_and_latest};
use linkwell_domain::outcomes::statistics::{PairedChange, paired_change};
use linkwell_domain::outcomes::thresholds::MeaningfulChanges;
use linkwell_domain::referrals::ReferralStatus;
use linkwell_domain::sessions::{Outcome, SessionStatus};
use linkwell_store::group_members::Notice;
use linkwell_store::outcomes::{OutcomeScore, Recorded};
use linkwell_store::own_questionnaires::{MAX_OWN_QUESTIONNAIRES, MAX_VERSIONS};
use linkwell_store::questionnaire_links::{LinkAsk, LinkSend};
use linkwell_store::referrals::Referral;
use linkwell_store::sessions::Session;
use linkwell_store::{Db, OrgScope, StoreError, now_ms};

use crate::Caller;
use crate::casework::{CaseError, open_case, open_person};

/// Every questionnaire an organisation gives or gave: the built-in ones, then every
/// version of its own, retired ones too (scores under each still need its name and
/// measure).
#[derive(Debug, Clone)]
pub struct Catalogue {
    all: Vec<Listed>,
    /// The meaningful-change thresholds the organisation set for built-in measures.
    thresholds: MeaningfulChanges,
}

#[derive(Debug, Clone)]
struct Listed {
    questionnaire: Questionnaire,
    retired: bool,
    /// The latest version of its code (every built-in one is).
    latest: bool,
}

impl Catalogue {
    /// Those offered now, at their latest versions, built in first.
    pub fn offered(&self) -> impl Iterator<Item = &Questionnaire> {
        self.all.iter().filter(|l| l.latest && !l.retired).map(|l| &l.questionnaire)
    }

    /// Every one at every version, retired too.
    pub fn every(&self) -> impl Iterator<Item = &Questionnaire> {
        self.all.iter().map(|l| &l.questionnaire)
    }

    /// The one `code` names at its latest version, retired or not.
    pub fn find(&self, code: &str) -> Option<&Questionnaire> {
        self.all.iter().find(|l| l.latest && l.questionnaire.code() == code.trim()).map(|l| &l.questionnaire)
    }

    /// The one `code` names at `version`.
    pub fn find_version(&self, code: &str, version: u32) -> Option<&Questionnaire> {
        self.every().find(|q| q.code() == code && q.version() == version)
    }

    /// The one `code` names if it is offered now, at its latest version.
    pub fn offered_one(&self, code: &str) -> Option<&Questionnaire> {
        self.offered().find(|q| q.code() == code.trim())
    }

    /// The name of the questionnaire `code`, or the code itself for one unknown.
    pub fn name(&self, code: &str) -> String {
        self.find(code).map_or_else(|| code.to_owned(), |q| q.name().to_owned())
    }

    /// What `questionnaire` measures, with the organisation's meaningful-change thresholds
    /// in place of the published ones for a built-in one (an own one has its own).
    pub fn measures(&self, questionnaire: &Questionnaire) -> Vec<Measure> {
        match questionnaire {
            Questionnaire::BuiltIn(_) => self.thresholds.apply(questionnaire.measures()),
            Questionnaire::Own(_) => questionnaire.measures(),
        }
    }

    /// The thresholds the organisation set for built-in measures.
    pub fn thresholds(&self) -> &MeaningfulChanges {
        &self.thresholds
    }

    /// How many of its own the organisation has defined.
    fn own_count(&self) -> usize {
        self.all.iter().filter(|l| l.latest && matches!(l.questionnaire, Questionnaire::Own(_))).count()
    }
}

/// The questionnaires of `scope`'s organisation.
pub async fn catalogue(db: &Db, scope: &OrgScope) -> Result<Catalogue, StoreError> {
    let mut all: Vec<Listed> = Instrument::ALL
        .iter()
        .map(|i| Listed { questionnaire: Questionnaire::BuiltIn(*i), retired: false, latest: true })
        .collect();
    let mut seen = std::collections::HashSet::new();
    // Newest first within each code: the first of a code is its latest.
    for s in db.all_own_questionnaire_versions(scope).await? {
        let latest = seen.insert(s.questionnaire.code.clone());
        all.push(Listed { questionnaire: Questionnaire::Own(Arc::new(s.questionnaire)), retired: s.retired, latest });
    }
    Ok(Catalogue { all, thresholds: db.meaningful_changes(scope).await? })
}

/// Set the meaningful-change thresholds of the built-in measures from `typed` (measure
/// key, text; blank for the published default). Every measure not typed goes back to its
/// default. Each wrong one is named, and nothing is changed.
pub async fn set_meaningful_changes(
    db: &Db,
    caller: &Caller,
    typed: &[(String, String)],
) -> Result<MeaningfulChanges, CaseError> {
    let set =
        MeaningfulChanges::parse(typed.iter().map(|(k, v)| (k.as_str(), v.as_str()))).map_err(CaseError::Invalid)?;
    db.set_meaningful_changes(&caller.scope(), &caller.actor(), &set).await?;
    Ok(set)
}

/// Check `fields` as a definition whose name no other questionnaire offered has (`code`:
/// the one it is a new version of, whose own name it may keep).
async fn checked_definition(
    db: &Db,
    scope: &OrgScope,
    fields: &OwnFields,
    code: Option<&str>,
) -> Result<OwnDefinition, CaseError> {
    let definition = OwnDefinition::parse(fields).map_err(CaseError::Invalid)?;
    let catalogue = catalogue(db, scope).await?;
    if code.is_none() && catalogue.own_count() >= MAX_OWN_QUESTIONNAIRES {
        let why = format!(
            "Your organisation has defined {MAX_OWN_QUESTIONNAIRES} questionnaires, the most it can: change one of them instead"
        );
        return Err(CaseError::Invalid(ValidationErrors::single("name", why)));
    }
    let clash = catalogue
        .offered()
        .any(|q| Some(q.code()) != code && q.name().trim().eq_ignore_ascii_case(definition.name.trim()));
    if clash {
        let why = "Another questionnaire has this name: give this one a name of its own";
        return Err(CaseError::Invalid(ValidationErrors::single("name", why)));
    }
    Ok(definition)
}

/// Define a questionnaire of the organisation's own, at version 1.
pub async fn define_questionnaire(db: &Db, caller: &Caller, fields: &OwnFields) -> Result<OwnQuestionnaire, CaseError> {
    let scope = caller.scope();
    let definition = checked_definition(db, &scope, fields, None).await?;
    Ok(db.define_questionnaire(&scope, &caller.actor(), &definition, caller.principal.user.id).await?)
}

/// Keep `fields` as the next version of the own questionnaire `code`: answers given under
/// earlier versions keep theirs. A definition no different from the latest is refused.
pub async fn new_questionnaire_version(
    db: &Db,
    caller: &Caller,
    code: &str,
    fields: &OwnFields,
) -> Result<OwnQuestionnaire, CaseError> {
    let scope = caller.scope();
    let latest = db.own_questionnaire(&scope, code, None).await?.ok_or(CaseError::NotFound)?;
    let definition = checked_definition(db, &scope, fields, Some(code)).await?;
    if latest.questionnaire.version as usize >= MAX_VERSIONS {
        let why = format!("This questionnaire has {MAX_VERSIONS} versions, the most it can: define a new one instead");
        return Err(CaseError::Invalid(ValidationErrors::single("name", why)));
    }
    if definition == latest.questionnaire.definition {
        let why = "Nothing has changed: change the questionnaire, or go back";
        return Err(CaseError::Invalid(ValidationErrors::single("name", why)));
    }
    Ok(db.new_questionnaire_version(&scope, &caller.actor(), code, &definition, caller.principal.user.id).await?)
}

/// Stop offering the own questionnaire `code`; its answers and scores stay.
pub async fn retire_questionnaire(db: &Db, caller: &Caller, code: &str) -> Result<(), CaseError> {
    Ok(db.retire_questionnaire(&caller.scope(), &caller.actor(), code).await?)
}

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
    let catalogue = catalogue(db, &caller.scope()).await?;
    let response = NewResponse::parse(catalogue.offered_one(&fields.instrument), fields, crate::today())
        .map_err(CaseError::Invalid)?;
    let by = Some(caller.principal.user.id);
    let recorded =
        db.record_questionnaire(&caller.scope(), &caller.actor(), r.person_id, referral, None, &response, by).await?;
    Ok(recorded.id().to_owned())
}

/// Record a questionnaire the person answered in session `s` of case `r` (both opened by
/// the caller): one that has started and was not missed or cancelled, answered on its day
/// or after (the session's day unless given). Once a session for each questionnaire: the
/// same answers again record nothing new; other answers are a `Conflict`.
pub async fn record_in_session(
    db: &Db,
    caller: &Caller,
    (s, r): (&Session, &Referral),
    fields: &ResponseFields,
) -> Result<Given, CaseError> {
    if !matches!(s.status, SessionStatus::Booked | SessionStatus::Ended(Outcome::Attended)) {
        return Err(CaseError::Invalid(ValidationErrors::single(
            "session",
            "Questionnaires are recorded in a session the person came to",
        )));
    }
    if s.starts_at > now_ms() {
        return Err(CaseError::Invalid(ValidationErrors::single(
            "session",
            "This session has not started yet: record its questionnaires once it has",
        )));
    }
    let day = linkwell_domain::time::london_date(s.starts_at);
    let mut fields = fields.clone();
    if fields.answered_on.trim().is_empty() {
        fields.answered_on = day.to_string();
    }
    let catalogue = catalogue(db, &caller.scope()).await?;
    let response = NewResponse::parse(catalogue.offered_one(&fields.instrument), &fields, crate::today())
        .map_err(CaseError::Invalid)?;
    if response.answered_on < day {
        return Err(CaseError::Invalid(ValidationErrors::single(
            "answered_on",
            "The day it was answered cannot be before the session",
        )));
    }
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
    let scores = db.measure_scores(scope, &measure.key, from, to).await?;
    Ok(paired_change(measure, &baseline_and_latest(&scores), threshold))
}

/// How long a questionnaire link works.
pub const LINK_DAYS: i64 = 14;

/// The path of a questionnaire link, under the service's public address.
pub fn link_path(secret: &Secret) -> String {
    format!("/questionnaire/{}", secret.expose())
}

/// A link to send, as typed: which questionnaire, at which timepoint.
#[derive(Debug, Clone, Default)]
pub struct LinkFields {
    pub instrument: String,
    pub timepoint: String,
}

/// Send the person of case `referral` a link to answer a questionnaire on their phone, by
/// their preferred channel and only with their consent; it works once, for
/// [`LINK_DAYS`]. Returns when it lapses. For people being supported or discharged (a
/// follow-up some weeks after), in case `r` (opened by the caller).
pub async fn send_link(
    db: &Db,
    caller: &Caller,
    r: &Referral,
    fields: &LinkFields,
    base_url: &str,
) -> Result<Timestamp, CaseError> {
    let mut e = ValidationErrors::new();
    let scope = caller.scope();
    let catalogue = catalogue(db, &scope).await?;
    let instrument = match catalogue.offered_one(&fields.instrument) {
        None => {
            e.add("instrument", "Select a questionnaire");
            None
        }
        // Its score comes from the licensed scoring, not from the person.
        Some(q) if q.licensed() => {
            e.add("instrument", "A licensed questionnaire's score is recorded in a session, not sent as a link");
            None
        }
        Some(q) => Some(q.code().to_owned()),
    };
    let timepoint = e.check(
        "timepoint",
        Timepoint::parse(fields.timepoint.trim()).map_err(|_| "Select when in their support it is for"),
    );
    let (Some(instrument), Some(timepoint)) = (instrument, timepoint) else { return Err(CaseError::Invalid(e)) };
    if !matches!(r.status, ReferralStatus::Active | ReferralStatus::Discharged) {
        let why = "Links are sent to people being supported, or after their discharge";
        return Err(CaseError::Invalid(ValidationErrors::single("instrument", why)));
    }
    let organisation = db.organisation(&scope).await?.name;
    let person = db.person(&scope, r.person_id).await?;
    let expires = linkwell_domain::time::from_millis(now_ms() + LINK_DAYS * 86_400_000);
    let until = linkwell_domain::time::display_london_date(expires.to_zoned(linkwell_domain::time::london()).date());
    let base = base_url.trim_end_matches('/');
    let compose = |secret: &Secret| Notice {
        subject: format!("A few questions from {organisation}"),
        body: format!(
            "Hello {},\n\n{organisation} would like to know how you are. Please answer a few short questions: {base}{}\n\nThe link works once, until {until}. If you were not expecting this message, you can ignore it.",
            person.given_name,
            link_path(secret)
        ),
        purpose: "questionnaire_link",
    };
    let ask = LinkAsk { instrument, timepoint, expires_at: expires.as_millisecond() };
    let sent = db
        .send_questionnaire_link(&scope, &caller.actor(), r.person_id, r.id, ask, caller.principal.user.id, &compose)
        .await?;
    let why = match sent {
        LinkSend::Sent => return Ok(expires),
        LinkSend::Unreachable => format!(
            "{} cannot be sent a link: they have not agreed to messages, or prefer a phone call or a letter. Record it in a session instead",
            person.given_name
        ),
        LinkSend::Pending(until) => format!(
            "{} has a link to this questionnaire that still works, until {}: wait for their answers, or until it expires",
            person.given_name,
            linkwell_domain::time::display_london_date(linkwell_domain::time::london_date(until))
        ),
    };
    Err(CaseError::Invalid(ValidationErrors::single("instrument", why)))
}

/// Where a questionnaire link stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkState {
    Open,
    /// It was answered already.
    Answered,
    /// Its time passed unused.
    Lapsed,
}

/// What a link's page shows: whose service asks, which questionnaire, and whether it can
/// still be answered. Never the person's name: a link forwarded by mistake says nothing
/// of them.
pub struct LinkAskView {
    pub organisation: String,
    /// At its latest version; `None` when it is no longer offered (the link cannot be answered).
    pub questionnaire: Option<Questionnaire>,
    pub state: LinkState,
}

/// What the link `secret` asks; `None` for a link never made.
pub async fn by_link(db: &Db, secret: &str) -> Result<Option<LinkAskView>, StoreError> {
    let Some(link) = db.questionnaire_link(&SecretHash::of(secret)).await? else { return Ok(None) };
    let state = match link.used_at {
        Some(_) => LinkState::Answered,
        None if link.expires_at <= now_ms() => LinkState::Lapsed,
        None => LinkState::Open,
    };
    let organisation = db.organisation(&link.scope).await?.name;
    // A questionnaire retired, or changed into a licensed one since the link was sent,
    // can no longer be answered by it.
    let questionnaire =
        catalogue(db, &link.scope).await?.offered_one(&link.instrument).filter(|q| !q.licensed()).cloned();
    let state = if questionnaire.is_none() && state == LinkState::Open { LinkState::Lapsed } else { state };
    Ok(Some(LinkAskView { organisation, questionnaire, state }))
}

/// Answer by the link `secret` (one answer per item, empty for one not given) to the
/// questionnaire's `version` the page showed (empty: the latest). `Ok(false)`:
/// the link was answered already or has lapsed, and nothing is recorded; `NotFound`: no
/// such link.
pub async fn answer_by_link(db: &Db, secret: &str, answers: &[String], version: &str) -> Result<bool, CaseError> {
    let key = SecretHash::of(secret);
    let Some(link) = db.questionnaire_link(&key).await? else { return Err(CaseError::NotFound) };
    let fields = ResponseFields {
        instrument: link.instrument.clone(),
        timepoint: link.timepoint.code().to_owned(),
        answered_on: String::new(),
        answers: answers.to_vec(),
        version: version.to_owned(),
    };
    let catalogue = catalogue(db, &link.scope).await?;
    let Some(questionnaire) = catalogue.offered_one(&link.instrument).filter(|q| !q.licensed()) else {
        return Ok(false);
    };
    let response = NewResponse::parse(Some(questionnaire), &fields, crate::today()).map_err(CaseError::Invalid)?;
    Ok(db.answer_by_link(&key, &response, now_ms()).await?.is_some())
}
