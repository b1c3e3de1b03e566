//! Groups the team runs, through the application layer on both engines: only the team's
//! own listings become groups, facilitators have the facilitator role, and a group's
//! sessions follow its listing — made with the group, changed with the schedule, kept to
//! the horizon as the days go by.

use std::sync::Arc;

use jiff::civil::{Date, Weekday};
use jiff::{Span, Timestamp};
use linkwell_app::casework::CaseError;
use linkwell_app::directory::listings::change_listing;
use linkwell_app::groups::{keep_every_group, make_group, planned_sessions, set_facilitators};
use linkwell_app::{AuthVia, Caller, Principal};
use linkwell_domain::directory::{ProviderFields, ProviderInput, ScheduleFields, ServiceFields, ServiceInput};
use linkwell_domain::groups::GroupFields;
use linkwell_domain::groups::sessions::horizon_end;
use linkwell_domain::identity::{EmailAddress, PasswordHash, Role};
use linkwell_domain::{ServiceId, Version};
use linkwell_search::DirectoryIndex;
use linkwell_store::directory::Service;
use linkwell_store::testing::TestDb;
use linkwell_store::users::{NewUser, User};
use linkwell_store::{Actor, Db, Engine, OrgScope, both_engines};

both_engines!(a_groups_sessions_follow_its_listing);

async fn user(db: &Db, scope: &OrgScope, role: Role, email: &str) -> User {
    let new = NewUser {
        email: EmailAddress::parse(email).expect("an address"),
        display_name: email.into(),
        role,
        practice_id: None,
        password_hash: PasswordHash("unused".into()),
    };
    db.create_user(scope, &Actor::system(), &new).await.expect("a user")
}

fn listing_fields(provider: &str, day: &str) -> ServiceFields {
    ServiceFields {
        provider_id: provider.into(),
        name: "Walk and Talk".into(),
        description: "A gentle walk in the park, then a warm drink and a quiz.".into(),
        cost: "free".into(),
        needs: vec!["loneliness".into()],
        location_name: "Roundhay Park".into(),
        town: "Leeds".into(),
        postcode: "LS8 2HH".into(),
        capacity: "30".into(),
        schedules: vec![ScheduleFields {
            repeat: "weekly".into(),
            day: day.into(),
            starts: linkwell_domain::time::DateEntry::Iso("2026-01-06".into()),
            opens: "10:00".into(),
            closes: "11:30".into(),
            ..Default::default()
        }],
        ..Default::default()
    }
}

async fn listing(db: &Db, scope: &OrgScope, kind: &str) -> Service {
    let provider = ProviderFields {
        name: format!("A {kind} organisation"),
        kind: kind.into(),
        description: "Runs groups".into(),
        ..Default::default()
    };
    let provider =
        db.create_provider(scope, &Actor::system(), &ProviderInput::parse(&provider).expect("a provider")).await;
    let provider = provider.expect("a provider").id.to_string();
    let input = ServiceInput::parse(&listing_fields(&provider, "TU"), linkwell_app::today()).expect("a listing");
    db.create_service(scope, &Actor::system(), &input, linkwell_app::today()).await.expect("a listing")
}

fn invalid_field(r: Result<impl std::fmt::Debug, CaseError>) -> String {
    match r {
        Err(CaseError::Invalid(e)) => e.errors.iter().map(|e| e.field.clone()).collect::<Vec<_>>().join(","),
        other => panic!("expected an invalid field, got {other:?}"),
    }
}

async fn weekdays_from(db: &Db, scope: &OrgScope, group: ServiceId, today: Date) -> Vec<Weekday> {
    let held = db.group_sessions(scope, group, today, horizon_end(today)).await.expect("sessions");
    held.iter().map(|s| s.on_date.weekday()).collect()
}

async fn a_groups_sessions_follow_its_listing(engine: Engine) {
    let t = TestDb::new(engine).await.expect("test database");
    let db = &t.db;
    let organisation = db.create_organisation("a", "A", false).await.expect("organisation");
    let scope = OrgScope::new(organisation.id);
    let coordinator = user(db, &scope, Role::Coordinator, "c@a.example").await;
    let facilitator = user(db, &scope, Role::Facilitator, "f@a.example").await;
    let worker = user(db, &scope, Role::LinkWorker, "w@a.example").await;
    let caller = Caller::new(Arc::new(Principal { user: coordinator, organisation, via: AuthVia::Session }), None);

    // Only the team's own listings can be run as groups here; a bad field is named.
    let theirs = listing(db, &scope, "voluntary").await;
    assert_eq!(invalid_field(make_group(db, &caller, theirs.id, &GroupFields::default()).await), "service_id");
    let walk = listing(db, &scope, "own").await;
    let bad = GroupFields { risk_review_due: "next spring".into(), ..Default::default() };
    assert_eq!(invalid_field(make_group(db, &caller, walk.id, &bad).await), "risk_review_due");
    assert!(db.group(&scope, walk.id).await.is_err(), "nothing made");

    // Made, with a session each Tuesday from today to the horizon.
    let today = linkwell_app::today();
    let fields = GroupFields { wet_weather: "The church hall".into(), ..Default::default() };
    let (group, made) = make_group(db, &caller, walk.id, &fields).await.expect("a group");
    assert_eq!(group.settings.wet_weather, "The church hall");
    let expected = planned_sessions(&walk, today).into_iter().filter(|o| o.starts_at > Timestamp::now()).count();
    assert_eq!(made.added, expected);
    assert!((13..=14).contains(&made.added), "{made:?}");
    assert!(weekdays_from(db, &scope, walk.id, today).await.iter().all(|d| *d == Weekday::Tuesday));
    assert_eq!(invalid_field(make_group(db, &caller, walk.id, &fields).await), "service_id", "already a group");

    // Facilitators have the facilitator role.
    assert_eq!(invalid_field(set_facilitators(db, &caller, walk.id, Version(1), &[worker.id]).await), "facilitators");
    set_facilitators(db, &caller, walk.id, Version(1), &[facilitator.id]).await.expect("facilitators");
    let stale = set_facilitators(db, &caller, walk.id, Version(1), &[]).await;
    assert!(matches!(stale, Err(CaseError::Store(linkwell_store::StoreError::Conflict))), "{stale:?}");
    assert_eq!(db.group_facilitators(&scope, walk.id).await.expect("read"), [facilitator.id]);

    // The listing moves to Thursdays: the sessions to come follow.
    let index = DirectoryIndex::new().expect("an index");
    let thursdays =
        ServiceInput::parse(&listing_fields(&walk.provider_id.to_string(), "TH"), today).expect("a listing");
    change_listing(db, &index, &caller, walk.id, Version(walk.version), &thursdays).await.expect("changed");
    let days = weekdays_from(db, &scope, walk.id, today.tomorrow().expect("tomorrow")).await;
    assert!(!days.is_empty() && days.iter().all(|d| *d == Weekday::Thursday), "{days:?}");

    // A week on, the horizon has moved a week: one more Thursday, and only once.
    let week = Span::new().weeks(1);
    let (later, later_now) = (
        today.checked_add(week).expect("a date"),
        Timestamp::now().checked_add(Span::new().hours(24 * 7)).expect("a time"),
    );
    assert_eq!(keep_every_group(db, later, later_now).await.expect("kept"), 1);
    assert_eq!(keep_every_group(db, later, later_now).await.expect("kept"), 0);
    // The voluntary listing was never a group and has no sessions.
    assert!(db.group_sessions(&scope, theirs.id, today, horizon_end(later)).await.expect("read").is_empty());
}
