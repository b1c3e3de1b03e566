//! Referral intake: a person and their referral, from the team, a referrer or the person
//! themselves, with the duplicate-person rules that keep records apart, in one
//! transaction.

use linkwell_domain::people::PersonInput;
use linkwell_domain::referrals::ReferralInput;
use linkwell_domain::{PersonId, PracticeId, ProgrammeId, UserId, ValidationErrors};
use linkwell_store::people::{NhsNumberAs, Person, create_person_in};
use linkwell_store::programmes::Programme;
use linkwell_store::referrals::{NewReferral, Referral, ReferredAs, create_referral_in};
use linkwell_store::{Actor, Db, OrgScope, StoreError};

use crate::Principal;

/// What to do about possible duplicates of the person being referred.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DuplicateChoice {
    /// Show possible duplicates before creating anyone (staff who may see people).
    Check,
    /// Create the person; possible duplicates are shown to the coordinator at triage
    /// (referrers and self-referrals may not see other people's records).
    CreateAndFlag,
    /// The person chose an existing record.
    Existing(PersonId),
}

pub struct Intake {
    pub person: PersonInput,
    pub referral: ReferralInput,
    pub programme: ProgrammeId,
    pub practice: Option<PracticeId>,
    pub referrer: Option<UserId>,
    pub duplicates: DuplicateChoice,
    /// Who is referring: the team, or someone who must learn nothing about the records
    /// the service already holds (a referrer, an integration acting for a practice, the
    /// person themselves).
    pub from: IntakeFrom,
}

/// Who a referral comes from, which decides what an NHS number that is already known may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntakeFrom {
    /// Staff who may see people: the same NHS number and date of birth is the same person.
    Team,
    /// A referrer or the person: the known record is used only when the details they gave
    /// are its details to the letter; otherwise the referral gets a record of its own with
    /// the number unconfirmed, and the coordinator merges at triage.
    Outside,
}

impl IntakeFrom {
    pub fn of(p: &Principal) -> IntakeFrom {
        if p.can(linkwell_domain::authz::Action::WorkCases) { IntakeFrom::Team } else { IntakeFrom::Outside }
    }
}

impl Intake {
    /// A referral made by a signed-in user: the referrer is recorded when it is a referrer
    /// (staff entering a referral on someone's behalf are not its referrer), the practice
    /// is the person's, and what may be learnt about known records follows from the role.
    pub fn by(p: &Principal, checked: CheckedIntake, duplicates: DuplicateChoice) -> Intake {
        let CheckedIntake { person, referral, programme } = checked;
        Intake {
            practice: person.practice_id,
            person,
            referral,
            programme,
            referrer: (p.user.role == linkwell_domain::identity::Role::Referrer).then_some(p.user.id),
            duplicates: if IntakeFrom::of(p) == IntakeFrom::Team { duplicates } else { DuplicateChoice::CreateAndFlag },
            from: IntakeFrom::of(p),
        }
    }

    /// A referral the person makes for themselves (the public self-referral form): no
    /// referrer, and nothing learnt about records already held.
    pub fn by_the_person(checked: CheckedIntake) -> Intake {
        let CheckedIntake { person, referral, programme } = checked;
        Intake {
            practice: person.practice_id,
            person,
            referral,
            programme,
            referrer: None,
            duplicates: DuplicateChoice::CreateAndFlag,
            from: IntakeFrom::Outside,
        }
    }
}

pub enum IntakeOutcome {
    Created {
        referral: Box<Referral>,
        /// The NHS number matched a person already known: same NHS number, same person.
        matched_existing: bool,
    },
    /// Nothing was created: these records might be the same person.
    PossibleDuplicates(Vec<Person>),
}

/// Record a referral. A known NHS number joins the record that holds it when the details
/// agree (see [`IntakeFrom`]); when they do not, a referral from outside the team gets a
/// record of its own with the number unconfirmed (flagged at triage), and staff are shown
/// the record to choose. Otherwise possible duplicates are checked (or flagged) as
/// `duplicates` says.
///
/// The person (when new) and the referral are written in one transaction: a failure
/// between them leaves neither.
pub async fn intake(db: &Db, scope: &OrgScope, actor: &Actor, i: &Intake) -> Result<IntakeOutcome, StoreError> {
    let existing = match i.person.nhs_number {
        Some(nhs) => db.person_by_nhs_number(scope, &nhs).await?,
        None => None,
    };
    let given = &i.person;
    let (existing, conflicting) = match existing {
        Some(p) => {
            let agrees = match i.from {
                IntakeFrom::Team => p.date_of_birth == given.date_of_birth,
                IntakeFrom::Outside => linkwell_domain::people::same_details(
                    (&p.given_name, &p.family_name, p.date_of_birth),
                    (&given.given_name, &given.family_name, given.date_of_birth),
                ),
            };
            if agrees { (Some(p), None) } else { (None, Some(p)) }
        }
        None => (None, None),
    };
    /// Whose record the referral joins.
    enum Joins {
        Known(PersonId),
        New(NhsNumberAs),
    }
    let joins = match (existing, conflicting, i.duplicates) {
        (Some(p), _, _) => Joins::Known(p.id),
        (None, _, DuplicateChoice::Existing(id)) => {
            let p = db.person(scope, id).await?;
            Joins::Known(p.merged_into.unwrap_or(p.id))
        }
        // Staff checking: the record with this NHS number is shown first, for them to choose.
        (None, Some(known), DuplicateChoice::Check) => {
            let known_id = known.id;
            let others = db.possible_duplicates(scope, &i.person).await?.into_iter().filter(move |d| d.id != known_id);
            return Ok(IntakeOutcome::PossibleDuplicates(std::iter::once(known).chain(others).collect()));
        }
        (None, Some(_), DuplicateChoice::CreateAndFlag) => Joins::New(NhsNumberAs::Unconfirmed),
        (None, None, DuplicateChoice::Check) => {
            let found = db.possible_duplicates(scope, &i.person).await?;
            if !found.is_empty() {
                return Ok(IntakeOutcome::PossibleDuplicates(found));
            }
            Joins::New(NhsNumberAs::Confirmed)
        }
        (None, None, DuplicateChoice::CreateAndFlag) => Joins::New(NhsNumberAs::Confirmed),
    };
    // The referral keeps the person as it named them: what a referrer is shown of it.
    let referred_as = ReferredAs {
        given_name: i.person.given_name.clone(),
        family_name: i.person.family_name.clone(),
        date_of_birth: i.person.date_of_birth.to_string(),
        nhs_number: i.person.nhs_number.map(|n| n.digits()),
    };
    let mut tx = db.begin().await?;
    let (person, matched) = match joins {
        Joins::Known(id) => (id, true),
        Joins::New(nhs) => (create_person_in(&mut tx, scope, actor, &i.person, nhs).await?, false),
    };
    let new = NewReferral {
        referrer: i.referrer,
        practice: i.practice,
        referred_as: Some(&referred_as),
        ..NewReferral::new(person, i.programme, &i.referral)
    };
    let id = create_referral_in(&mut tx, scope, actor, &new).await?;
    tx.commit().await?;
    let referral = db.referral(scope, id).await?;
    Ok(IntakeOutcome::Created { referral: Box::new(referral), matched_existing: matched })
}

/// Which programme a new referral joins, as asked.
#[derive(Debug, Clone, Copy)]
pub enum ProgrammeChoice<'a> {
    /// The one named by id, or — when nothing is named — the organisation's only one.
    Named(&'a str),
    /// The organisation's first (the public self-referral form, which does not ask).
    First,
}

/// A referral as typed, each part already parsed by its adapter (the page form or the API
/// body name their fields differently), before it is checked against the organisation.
pub struct IntakeDraft<'a> {
    pub person: Result<PersonInput, ValidationErrors>,
    pub referral: Result<ReferralInput, ValidationErrors>,
    pub programme: ProgrammeChoice<'a>,
    /// The field a practice that is not the organisation's is reported under.
    pub practice_field: &'a str,
    /// What else the adapter found wrong, reported with the rest.
    pub errors: ValidationErrors,
}

/// The parts of a referral that are right in themselves and for this organisation.
pub struct CheckedIntake {
    pub person: PersonInput,
    pub referral: ReferralInput,
    pub programme: ProgrammeId,
}

impl IntakeDraft<'_> {
    /// Check the programme and the person's practice against the organisation, and report
    /// every error of the draft at once (`CaseError::Invalid`).
    pub async fn check(self, db: &Db, scope: &OrgScope) -> Result<CheckedIntake, crate::casework::CaseError> {
        let mut errors = self.errors;
        let person = self.person.map_err(|e| errors.errors.extend(e.errors)).ok();
        let referral = self.referral.map_err(|e| errors.errors.extend(e.errors)).ok();
        let programmes = db.programmes(scope).await?;
        let named = match self.programme {
            ProgrammeChoice::Named(raw) => raw.to_owned(),
            ProgrammeChoice::First => programmes.first().map(|p| p.id.to_string()).unwrap_or_default(),
        };
        let programme = choose_programme(&programmes, &named).map_err(|e| errors.errors.extend(e.errors)).ok();
        let practice = person.as_ref().and_then(|p| p.practice_id);
        crate::users::check_practice_into(db, scope, practice, self.practice_field, &mut errors).await?;
        match (person, referral, programme) {
            (Some(person), Some(referral), Some(programme)) if errors.is_empty() => {
                Ok(CheckedIntake { person, referral, programme })
            }
            _ => Err(crate::casework::CaseError::Invalid(errors)),
        }
    }
}

/// The programme a new referral joins: the one named, or the organisation's only one.
fn choose_programme(programmes: &[Programme], raw: &str) -> Result<ProgrammeId, ValidationErrors> {
    match raw.trim() {
        "" if programmes.len() == 1 => Ok(programmes[0].id),
        "" if programmes.is_empty() => Err(ValidationErrors::single(
            "programme_id",
            "No programme has been set up yet: ask an admin to add one before referrals can be taken",
        )),
        "" => Err(ValidationErrors::single("programme_id", "Select the programme")),
        s => s
            .parse::<ProgrammeId>()
            .ok()
            .filter(|id| programmes.iter().any(|p| p.id == *id))
            .ok_or_else(|| ValidationErrors::single("programme_id", "Select a programme from the list")),
    }
}

/// How many recent first contacts the expected wait looks at, and how far back.
const WAIT_SAMPLES: usize = 200;
const WAIT_LOOKBACK_DAYS: i64 = 90;

/// How long people referred now can expect to wait to be reached, in days: the median of
/// the organisation's most recent first contacts (up to 200 in the last 90 days), or
/// `None` when there are too few to say (the confirmation then gives only the 14-day aim).
pub async fn expected_wait(db: &Db, scope: &OrgScope) -> Result<Option<i64>, StoreError> {
    let since = linkwell_store::now_ms() - WAIT_LOOKBACK_DAYS * 86_400_000;
    let waits = db.first_contact_waits(scope, since, WAIT_SAMPLES).await?;
    Ok(linkwell_domain::referrals::response::expected_wait_days(&waits))
}

/// What a confirmation says of the wait: the recent figure if there is one, and the
/// service's aim. `you`: said to the person referring themselves, not to a referrer.
pub fn wait_sentence(wait_days: Option<i64>, you: bool) -> String {
    let who = if you { "you" } else { "them" };
    let aim = linkwell_domain::referrals::response::RESPONSE_WINDOW_DAYS;
    match wait_days {
        Some(1) => format!(
            "A link worker will contact {who}. Recently, people have been contacted within about a day (we aim for {aim} days)."
        ),
        Some(days) => format!(
            "A link worker will contact {who}. Recently, people have been contacted within about {days} days (we aim for {aim} days)."
        ),
        None => format!("A link worker will contact {who}, usually within {aim} days."),
    }
}
