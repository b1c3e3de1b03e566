//! Outcomes through the application layer on both engines: a questionnaire recorded in a
//! case keeps its answers and scores, a person's scores read back in time order, only
//! those who work the case may record, and a measure's change pairs each case's baseline
//! with its latest.

use std::sync::Arc;

use jiff::civil::date;
use linkwell_app::casework::{CaseError, DuplicateChoice, Intake, IntakeFrom, IntakeOutcome, intake};
use linkwell_app::outcomes::{measure_change, person_outcomes, record};
use linkwell_app::{AuthVia, Caller, Principal};
use linkwell_domain::identity::{EmailAddress, PasswordHash, Role};
use linkwell_domain::outcomes::instruments::{Instrument, Timepoint};
use linkwell_domain::outcomes::responses::ResponseFields;
use linkwell_domain::people::{PersonFields, PersonInput};
use linkwell_domain::referrals::{ReferralFields, ReferralInput};
use linkwell_domain::sessions::ProgrammeRules;
use linkwell_store::testing::TestDb;
use linkwell_store::users::NewUser;
use linkwell_store::{Actor, Engine, OrgScope, both_engines};

both_engines!(a_questionnaire_recorded_in_a_case_is_scored_and_paired);

fn swemwbs(timepoint: &str, on: &str, answers: [&str; 7]) -> ResponseFields {
    ResponseFields {
        instrument: "swemwbs".into(),
        timepoint: timepoint.into(),
        answered_on: on.into(),
        answers: answers.iter().map(|a| (*a).to_owned()).collect(),
        version: String::new(),
    }
}

async fn a_questionnaire_recorded_in_a_case_is_scored_and_paired(engine: Engine) {
    let t = TestDb::new(engine).await.expect("test database");
    let db = &t.db;
    let organisation = db.create_organisation("a", "A", false).await.expect("organisation");
    let scope = OrgScope::new(organisation.id);
    let actor = Actor::system();
    let programme =
        db.create_programme(&scope, &actor, "Wellbeing", ProgrammeRules::default(), "").await.expect("programme");
    let person = PersonFields {
        given_name: "Margaret".into(),
        family_name: "Oakes".into(),
        date_of_birth: linkwell_domain::time::DateEntry::boxes("27", "3", "1951"),
        sex: "female".into(),
        phone: "07700 900982".into(),
        preferred_channel: "phone".into(),
        consent_contact: true,
        ..Default::default()
    };
    let referral = ReferralFields {
        source: "gp".into(),
        needs: vec!["loneliness".into()],
        urgency: "routine".into(),
        consent_confirmed: true,
        ..Default::default()
    };
    let new = Intake {
        person: PersonInput::parse(&person, false, date(2026, 11, 22)).expect("a person"),
        referral: ReferralInput::parse(&referral).expect("a referral"),
        programme: programme.id,
        practice: None,
        referrer: None,
        duplicates: DuplicateChoice::CreateAndFlag,
        from: IntakeFrom::Team,
    };
    let IntakeOutcome::Created { referral, .. } = intake(db, &scope, &actor, &new).await.expect("intake") else {
        panic!("a new case")
    };
    let caller = |role: Role, email: &str| {
        let new = NewUser {
            email: EmailAddress::parse(email).expect("an address"),
            display_name: email.into(),
            role,
            practice_id: None,
            password_hash: PasswordHash("unused".into()),
        };
        let organisation = organisation.clone();
        async move {
            let user = db.create_user(&scope, &Actor::system(), &new).await.expect("a user");
            Caller::new(Arc::new(Principal { user, organisation, via: AuthVia::Session }), None)
        }
    };
    let coordinator = caller(Role::Coordinator, "c@a.example").await;
    let commissioner = caller(Role::Commissioner, "m@a.example").await;

    // Baseline, a review with a gap (kept, unscored), and discharge.
    let baseline = swemwbs("baseline", "2026-09-01", ["2", "3", "2", "3", "2", "3", "2"]);
    record(db, &coordinator, referral.id, &baseline).await.expect("baseline");
    let gap = swemwbs("review", "2026-10-01", ["3", "", "3", "3", "3", "3", "3"]);
    record(db, &coordinator, referral.id, &gap).await.expect("a review with a gap");
    let discharge = swemwbs("discharge", "2026-11-01", ["4", "4", "3", "4", "3", "4", "4"]);
    record(db, &coordinator, referral.id, &discharge).await.expect("discharge");

    let scores = person_outcomes(db, &coordinator, referral.person_id).await.expect("read");
    let got: Vec<(Timepoint, f64)> = scores.iter().map(|s| (s.timepoint, s.value)).collect();
    assert_eq!(got, [(Timepoint::Baseline, 16.88), (Timepoint::Discharge, 23.21)], "raw 17 and 26");

    // Bad answers are named and change nothing; those who do not work the case cannot record.
    let bad = swemwbs("discharge", "2026-11-01", ["4", "9", "3", "4", "3", "4", "4"]);
    match record(db, &coordinator, referral.id, &bad).await {
        Err(CaseError::Invalid(e)) => assert!(e.for_field("answers[1]").is_some(), "{e:?}"),
        other => panic!("expected a named answer, got {other:?}"),
    }
    assert!(matches!(record(db, &commissioner, referral.id, &discharge).await, Err(CaseError::NotYours)));
    assert!(matches!(person_outcomes(db, &commissioner, referral.person_id).await, Err(CaseError::NotYours)));
    assert_eq!(person_outcomes(db, &coordinator, referral.person_id).await.expect("read").len(), 2);

    // The change: baseline 16.88 to discharge 23.21, an improvement of at least 3 points.
    let measure = Instrument::Swemwbs.measures()[0].clone();
    let change = measure_change(db, &scope, &measure, (date(2026, 1, 1), date(2026, 12, 31)), 3.0)
        .await
        .expect("read")
        .expect("a pair");
    assert_eq!((change.n, change.improved_share), (1, 1.0));
    assert!((change.mean_change - 6.33).abs() < 1e-9, "{}", change.mean_change);
    let before = measure_change(db, &scope, &measure, (date(2026, 1, 1), date(2026, 10, 31)), 3.0).await;
    assert_eq!(before.expect("read"), None, "no later score in the period: no pair");
}
