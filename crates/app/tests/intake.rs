//! Referral intake is one transaction: a fault after the person is written and before the
//! referral leaves neither, on both engines.

use jiff::civil::date;
use linkwell_app::casework::{DuplicateChoice, Intake, IntakeFrom, IntakeOutcome, intake};
use linkwell_domain::people::{PersonFields, PersonInput};
use linkwell_domain::referrals::{ReferralFields, ReferralInput};
use linkwell_domain::sessions::ProgrammeRules;
use linkwell_store::testing::TestDb;
use linkwell_store::{Actor, Db, Engine, OrgScope, SqliteDb, both_engines};

both_engines!(a_fault_between_the_person_and_the_referral_leaves_neither);

fn person() -> PersonInput {
    let f = PersonFields {
        nhs_number: "943 476 5919".into(),
        given_name: "Margaret".into(),
        family_name: "Oakes".into(),
        date_of_birth: linkwell_domain::time::DateEntry::boxes("27", "3", "1951"),
        sex: "female".into(),
        phone: "07700 900982".into(),
        preferred_channel: "phone".into(),
        consent_contact: true,
        ..Default::default()
    };
    PersonInput::parse(&f, false, date(2026, 11, 22)).expect("a valid person")
}

fn referral() -> ReferralInput {
    ReferralInput::parse(&ReferralFields {
        source: "gp".into(),
        needs: vec!["loneliness".into()],
        urgency: "routine".into(),
        consent_confirmed: true,
        ..Default::default()
    })
    .expect("a valid referral")
}

/// Run SQL behind the application's back (the fault to inject, and taking it away).
async fn exec(db: &Db, sql: &str) {
    match db {
        Db::Sqlite(SqliteDb { writes, .. }) => {
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(writes).await.map(|_| ())
        }
        Db::Postgres(pool) => sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(pool).await.map(|_| ()),
    }
    .expect("test SQL");
}

async fn count(db: &Db, table: &str) -> i64 {
    let sql = format!("SELECT COUNT(*) FROM {table}");
    match db {
        Db::Sqlite(SqliteDb { writes, .. }) => sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_one(writes).await,
        Db::Postgres(pool) => sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_one(pool).await,
    }
    .expect("a count")
}

async fn a_fault_between_the_person_and_the_referral_leaves_neither(engine: Engine) {
    let t = TestDb::new(engine).await.expect("test database");
    let db = &t.db;
    let scope = OrgScope::new(db.create_organisation("a", "A", false).await.expect("organisation").id);
    let actor = Actor::system();
    let programme =
        db.create_programme(&scope, &actor, "Wellbeing", ProgrammeRules::default(), "").await.expect("programme");
    let new = Intake {
        person: person(),
        referral: referral(),
        programme: programme.id,
        practice: None,
        referrer: None,
        duplicates: DuplicateChoice::CreateAndFlag,
        from: IntakeFrom::Team,
    };
    // The fault: writing any referral fails, after the person has been written.
    match engine {
        Engine::Sqlite => {
            exec(db, "CREATE TRIGGER fault BEFORE INSERT ON referrals BEGIN SELECT RAISE(ABORT, 'injected fault'); END")
                .await
        }
        Engine::Postgres => {
            exec(
                db,
                "CREATE FUNCTION fault() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected fault'; END $$; \
                 CREATE TRIGGER fault BEFORE INSERT ON referrals FOR EACH ROW EXECUTE FUNCTION fault()",
            )
            .await
        }
    }
    let audit_before = count(db, "audit_log").await;
    let failed = intake(db, &scope, &actor, &new).await;
    assert!(failed.is_err(), "the injected fault must fail the intake");
    assert_eq!(
        (count(db, "people").await, count(db, "referrals").await),
        (0, 0),
        "neither the person nor the referral"
    );
    assert_eq!(count(db, "audit_log").await, audit_before, "nor their audit entries");

    // Without the fault, the same intake makes both.
    match engine {
        Engine::Sqlite => exec(db, "DROP TRIGGER fault").await,
        Engine::Postgres => exec(db, "DROP TRIGGER fault ON referrals").await,
    }
    let made = intake(db, &scope, &actor, &new).await.expect("intake");
    let IntakeOutcome::Created { referral, matched_existing: false } = made else {
        panic!("a new person and referral")
    };
    assert_eq!((count(db, "people").await, count(db, "referrals").await), (1, 1));
    assert_eq!(db.person(&scope, referral.person_id).await.expect("person").given_name, "Margaret");
}
