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

both_engines!(places_are_given_in_order_and_never_past_the_capacity);

fn member_fields(n: usize) -> linkwell_domain::groups::members::MemberFields {
    linkwell_domain::groups::members::MemberFields {
        first_name: format!("Member{n}"),
        last_name: "Smith".into(),
        email: format!("m{n}@example.org"),
        consent_contact: n != 0,
        ..Default::default()
    }
}

/// The secret of the link in the newest message to `to` for `purpose`.
async fn link_for(db: &Db, scope: &OrgScope, to: &str, purpose: &str) -> String {
    let page = db.outbox_page(scope, None, 500).await.expect("the outbox");
    let m = page.items.iter().find(|m| m.recipient == to && m.purpose == purpose);
    let m = m.unwrap_or_else(|| {
        panic!(
            "a message to {to} for {purpose} in {:?}",
            page.items.iter().map(|m| (&m.recipient, &m.purpose, &m.body)).collect::<Vec<_>>()
        )
    });
    let at = m.body.find("/group-links/").unwrap_or_else(|| panic!("a link in {}", m.body)) + "/group-links/".len();
    m.body[at..].split_whitespace().next().expect("a secret").to_owned()
}

async fn places_are_given_in_order_and_never_past_the_capacity(engine: Engine) {
    use linkwell_app::groups::members;
    use linkwell_domain::groups::members::MemberStatus;
    use linkwell_domain::groups::sessions::SessionChangeFields;

    let t = TestDb::new(engine).await.expect("test database");
    let db = &t.db;
    let organisation = db.create_organisation("a", "A", false).await.expect("organisation");
    let scope = OrgScope::new(organisation.id);
    let coordinator = user(db, &scope, Role::Coordinator, "c@a.example").await;
    let caller = Caller::new(Arc::new(Principal { user: coordinator, organisation, via: AuthVia::Session }), None);
    let mut walk = listing(db, &scope, "own").await;
    let today = linkwell_app::today();
    // Three places.
    let three = ServiceInput::parse(
        &ServiceFields { capacity: "3".into(), ..listing_fields(&walk.provider_id.to_string(), "TU") },
        today,
    )
    .expect("a listing");
    let index = DirectoryIndex::new().expect("an index");
    walk = change_listing(db, &index, &caller, walk.id, Version(walk.version), &three).await.expect("changed");
    make_group(db, &caller, walk.id, &GroupFields::default()).await.expect("a group");
    let base = "https://linkwell.example";

    // Twelve ask at once: three get a place, nine wait; never more.
    let mut asks = tokio::task::JoinSet::new();
    for n in 0..12 {
        let (db, caller) = (db.clone(), caller.clone());
        asks.spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(5 * n as u64)).await;
            members::add_member(&db, &caller, walk.id, &member_fields(n), false, base).await.expect("added")
        });
    }
    let mut joined = asks.join_all().await;
    joined.sort_by_key(|m| m.asked_at);
    let held = joined.iter().filter(|m| m.status == MemberStatus::Member).count();
    assert_eq!(held, 3, "{joined:?}");
    assert!(joined[..3].iter().all(|m| m.status == MemberStatus::Member), "the first three to ask");
    let list = members::members(db, &caller, walk.id).await.expect("the list");
    let waiting: Vec<&str> =
        list.iter().filter(|m| m.status == MemberStatus::Waiting).map(|m| m.first_name.as_str()).collect();
    let asked: Vec<&str> = joined[3..].iter().map(|m| m.first_name.as_str()).collect();
    assert_eq!(waiting, asked, "the waiting list keeps the order they asked in");

    // A member leaves: the first waiting is offered the place by a message with a link.
    let first_waiting = joined[3].clone();
    let gone = joined.iter().find(|m| m.status == MemberStatus::Member && m.consent_contact).expect("a member");
    let leave = link_for(db, &scope, gone.email.as_deref().expect("email"), "group_joined").await;
    let found = db.group_member_by_link(&linkwell_domain::identity::SecretHash::of(&leave)).await;
    let left = members::leave_by_link(db, &leave, base).await.expect("left");
    let left = left.unwrap_or_else(|| panic!("a link {leave} {found:?}"));
    assert_eq!(left.status, MemberStatus::Left);
    let again = members::leave_by_link(db, &leave, base).await.expect("left").expect("a link");
    assert_eq!(again.version, left.version, "leaving twice leaves once");
    let offered = db.group_member(&scope, first_waiting.id).await.expect("read");
    assert_eq!(offered.status, MemberStatus::Offered);
    let offers = db.outbox_page(&scope, None, 500).await.expect("outbox").items;
    assert_eq!(offers.iter().filter(|m| m.purpose == "group_place_offered").count(), 1, "one offer, once");
    assert!(members::leave_by_link(db, "gm_not-a-link", base).await.expect("read").is_none());

    // The offer lapses unanswered: the next in line is offered it.
    let later = linkwell_store::now_ms() + linkwell_domain::groups::members::OFFER_HOURS * 3_600_000 + 1;
    assert_eq!(members::lapse_offers(db, base, later - 60_000).await.expect("none yet"), 0);
    assert_eq!(members::lapse_offers(db, base, later).await.expect("lapsed"), 1);
    assert_eq!(db.group_member(&scope, first_waiting.id).await.expect("read").status, MemberStatus::Left);
    let second = db.group_member(&scope, joined[4].id).await.expect("read");
    assert_eq!(second.status, MemberStatus::Offered);
    // Taken by the link in its message, once; a lapsed offer cannot be taken.
    let take = link_for(db, &scope, second.email.as_deref().expect("email"), "group_place_offered").await;
    let taken = members::take_place_by_link(db, &take).await.expect("taken").expect("a link");
    assert_eq!(taken.status, MemberStatus::Member);
    assert_eq!(members::take_place_by_link(db, &take).await.expect("again").expect("a link").version, taken.version);
    let lapsed = link_for(db, &scope, first_waiting.email.as_deref().expect("email"), "group_place_offered").await;
    let refused = members::take_place_by_link(db, &lapsed).await;
    assert!(matches!(refused, Err(linkwell_store::StoreError::Conflict)), "{refused:?}");

    // The next session is cancelled: each member who agreed to be contacted is told once,
    // and the same form sent again tells nobody twice.
    let next = db.group_sessions(&scope, walk.id, today.tomorrow().expect("a date"), horizon_end(today)).await;
    let next = next.expect("sessions").remove(0);
    let cancel = SessionChangeFields { action: "cancel".into(), reason: "Storm warning".into(), ..Default::default() };
    let (session, told) =
        members::change_session(db, &caller, walk.id, next.id, Version(next.version), &cancel, base).await.expect("ok");
    let reachable = members::members(db, &caller, walk.id)
        .await
        .expect("members")
        .iter()
        .filter(|m| m.status == MemberStatus::Member && m.consent_contact)
        .count();
    assert_eq!((session.status.code(), told), ("cancelled", reachable));
    let twice = members::change_session(db, &caller, walk.id, next.id, Version(next.version), &cancel, base).await;
    assert!(matches!(twice, Err(CaseError::Store(linkwell_store::StoreError::Conflict))), "{twice:?}");
    let notices = db.outbox_page(&scope, None, 500).await.expect("outbox").items;
    let cancelled: Vec<_> = notices.iter().filter(|m| m.purpose == "group_session_cancelled").collect();
    assert_eq!(cancelled.len(), reachable);
    assert!(cancelled.iter().all(|m| m.body.contains("is cancelled (Storm warning)") && m.body.contains(base)));
    // Nobody who did not agree to be contacted is messaged at all.
    let silent = joined.iter().find(|m| !m.consent_contact).expect("one");
    assert!(notices.iter().all(|m| Some(&m.recipient) != silent.email.as_ref()));
}

both_engines!(three_missed_sessions_in_a_row_flag_a_member_once);

/// An organisation whose own Walk and Talk is run as a group, and its coordinator.
async fn a_group(db: &Db) -> (OrgScope, Caller, Service) {
    let organisation = db.create_organisation("a", "A", false).await.expect("organisation");
    let scope = OrgScope::new(organisation.id);
    let coordinator = user(db, &scope, Role::Coordinator, "c@a.example").await;
    let caller = Caller::new(Arc::new(Principal { user: coordinator, organisation, via: AuthVia::Session }), None);
    let walk = listing(db, &scope, "own").await;
    make_group(db, &caller, walk.id, &GroupFields::default()).await.expect("a group");
    (scope, caller, walk)
}

async fn three_missed_sessions_in_a_row_flag_a_member_once(engine: Engine) {
    use linkwell_app::groups::members;
    use linkwell_domain::groups::registers::{Register, RegisterFields};
    use linkwell_domain::groups::sessions::Occurrence;

    let t = TestDb::new(engine).await.expect("test database");
    let db = &t.db;
    let (scope, caller, walk) = a_group(db).await;
    let base = "https://linkwell.example";
    let ann = members::add_member(db, &caller, walk.id, &member_fields(1), false, base).await.expect("Ann");
    let bob = members::add_member(db, &caller, walk.id, &member_fields(2), false, base).await.expect("Bob");

    // Four weekly sessions after they joined, written as the schedule would have.
    let today = linkwell_app::today();
    let ten = jiff::civil::time(10, 0, 0, 0);
    let dates: Vec<Date> = (1..=4).rev().map(|w| today.checked_add(Span::new().weeks(w)).expect("a date")).collect();
    let planned: Vec<Occurrence> =
        dates.iter().rev().map(|d| Occurrence::on(*d, ten, jiff::civil::time(11, 0, 0, 0)).expect("a time")).collect();
    let long_ago = Timestamp::from_second(0).expect("a time");
    db.regenerate_group_sessions(&scope, &Actor::system(), walk.id, today, &planned, long_ago).await.expect("sessions");
    let sessions = db.group_sessions(&scope, walk.id, today, horizon_end(today)).await.expect("read");
    let ours: Vec<_> = sessions.iter().filter(|s| planned.iter().any(|p| p.date == s.on_date)).collect();
    assert_eq!(ours.len(), 4);

    // Bob misses three in a row: flagged at the third, once; back at the fourth, cleared.
    let mut flagged = vec![];
    for (i, s) in ours.iter().enumerate() {
        let came = if i < 3 { vec![ann.id.to_string()] } else { vec![ann.id.to_string(), bob.id.to_string()] };
        let register =
            Register::parse(&RegisterFields { key: format!("key-{i}-abcdef"), attended: came, note: String::new() })
                .expect("a register");
        let taken = db.take_register(&scope, &Actor::system(), s.id, &register, None).await.expect("taken");
        flagged.push(taken.flagged.iter().map(|m| m.first_name.clone()).collect::<Vec<_>>());
        let again = db.take_register(&scope, &Actor::system(), s.id, &register, None).await.expect("again");
        assert!(!again.recorded && again.flagged.is_empty(), "the same form records once");
        if i == 2 {
            let bob_now = db.group_member(&scope, bob.id).await.expect("read");
            assert_eq!((bob_now.missed_in_row, bob_now.flagged_at.is_some()), (3, true));
            let listed = db.flagged_group_members(&scope, None, None).await.expect("read");
            assert_eq!(listed.iter().map(|m| m.id).collect::<Vec<_>>(), [bob.id]);
        }
    }
    assert_eq!(flagged, [vec![], vec![], vec!["Member2".to_owned()], vec![]]);
    let bob_now = db.group_member(&scope, bob.id).await.expect("read");
    assert_eq!((bob_now.missed_in_row, bob_now.flagged_at), (0, None));
    let ann_now = db.group_member(&scope, ann.id).await.expect("read");
    assert_eq!(ann_now.missed_in_row, 0);

    // The figures read what the registers keep: who came to each, and when each last came,
    // read again when a register is corrected (Bob was not there at the fourth after all).
    let (from, to) = (today, horizon_end(today));
    let (members_facts, sessions_facts) = db.group_figure_facts(&scope, walk.id, from, to).await.expect("read");
    let came: Vec<Option<u32>> = sessions_facts.iter().filter(|s| s.came.is_some()).map(|s| s.came).collect();
    assert_eq!(came, [Some(1), Some(1), Some(1), Some(2)]);
    let mut last: Vec<Option<i64>> = members_facts.iter().map(|m| m.last_came_at).collect();
    last.sort();
    assert_eq!(last, [Some(ours[3].starts_at), Some(ours[3].starts_at)]);
    let corrected = Register::parse(&RegisterFields {
        key: "key-3-corrected".into(),
        attended: vec![ann.id.to_string()],
        note: String::new(),
    })
    .expect("a register");
    db.take_register(&scope, &Actor::system(), ours[3].id, &corrected, None).await.expect("corrected");
    let (members_facts, sessions_facts) = db.group_figure_facts(&scope, walk.id, from, to).await.expect("read");
    let came: Vec<Option<u32>> = sessions_facts.iter().filter(|s| s.came.is_some()).map(|s| s.came).collect();
    assert_eq!(came, [Some(1), Some(1), Some(1), Some(1)]);
    let mut last: Vec<Option<i64>> = members_facts.iter().map(|m| m.last_came_at).collect();
    last.sort();
    assert_eq!(last, [None, Some(ours[3].starts_at)], "Bob never came");
}

both_engines!(a_feedback_link_gives_once_and_a_withdrawn_story_is_gone);

async fn a_feedback_link_gives_once_and_a_withdrawn_story_is_gone(engine: Engine) {
    use linkwell_app::groups::{members, stories};
    use linkwell_domain::groups::feedback::{Feedback, FeedbackFields};
    use linkwell_domain::groups::registers::{Register, RegisterFields};
    use linkwell_domain::groups::sessions::Occurrence;
    use linkwell_domain::groups::stories::StoryFields;
    use linkwell_domain::identity::{Secret, SecretHash};
    use linkwell_store::group_members::Notice;

    let t = TestDb::new(engine).await.expect("test database");
    let db = &t.db;
    let (scope, caller, walk) = a_group(db).await;
    let base = "https://linkwell.example";
    let quiet = members::add_member(db, &caller, walk.id, &member_fields(0), false, base).await.expect("no consent");
    let ann = members::add_member(db, &caller, walk.id, &member_fields(1), false, base).await.expect("Ann");
    let today = linkwell_app::today();
    let on = today.checked_add(Span::new().weeks(1)).expect("a date");
    let planned = [Occurrence::on(on, jiff::civil::time(10, 0, 0, 0), jiff::civil::time(11, 0, 0, 0)).expect("a time")];
    let long_ago = Timestamp::from_second(0).expect("a time");
    db.regenerate_group_sessions(&scope, &Actor::system(), walk.id, today, &planned, long_ago).await.expect("sessions");
    let session = db.group_sessions(&scope, walk.id, on, on).await.expect("read")[0].id;
    let ben = members::add_member(db, &caller, walk.id, &member_fields(2), false, base).await.expect("Ben");
    let came = RegisterFields {
        key: "register-key-1".into(),
        attended: [quiet.id, ann.id, ben.id].iter().map(ToString::to_string).collect(),
        note: String::new(),
    };
    let came = Register::parse(&came).expect("a register");
    db.take_register(&scope, &Actor::system(), session, &came, None).await.expect("taken");

    // The follow-up goes to whoever may be messaged, once however often it is asked for.
    let secrets = std::sync::Mutex::new(vec![]);
    let compose = |_: &linkwell_store::group_members::Member, feedback: &Secret, own: &Secret| {
        secrets.lock().expect("lock").push((feedback.expose().to_owned(), own.expose().to_owned()));
        Notice { subject: "How was it?".into(), body: String::new(), purpose: "group_follow_up" }
    };
    let when = (linkwell_store::now_ms(), linkwell_store::now_ms() + 3_600_000);
    let both = [quiet.id, ann.id];
    assert_eq!(db.send_follow_ups(&scope, session, &both, when, &compose).await.expect("sent"), 1);
    assert_eq!(db.send_follow_ups(&scope, session, &both, when, &compose).await.expect("again"), 0);
    let (feedback_secret, own_secret) = secrets.lock().expect("lock")[0].clone();

    // Eight tries at once with one link: one is recorded.
    let fields = FeedbackFields { rating: "5".into(), comment: "Lovely".into(), key: String::new() };
    let feedback = Feedback::parse(&fields).expect("valid");
    let key = SecretHash::of(&feedback_secret);
    let now = linkwell_store::now_ms();
    let mut tries = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let (db, key, feedback) = (db.clone(), key.clone(), feedback.clone());
        tries.spawn(async move { db.give_feedback_by_link(&key, &feedback, now).await.expect("given") });
    }
    let given = tries.join_all().await;
    assert_eq!(given.iter().filter(|g| **g).count(), 1, "{given:?}");
    let bad = FeedbackFields { rating: "6".into(), ..Default::default() };
    assert!(matches!(
        linkwell_app::groups::feedback::give_by_link(db, &feedback_secret, &bad).await,
        Err(CaseError::Invalid(_))
    ));
    assert!(matches!(
        linkwell_app::groups::feedback::give_by_link(db, "gf_never-made", &fields).await,
        Err(CaseError::NotFound)
    ));
    // A link past its time gives nothing.
    let lapsed = secrets.lock().expect("lock").len();
    db.send_follow_ups(&scope, session, &[ben.id], (now - 2, now - 1), &compose).await.expect("sent");
    let (lapsed_secret, _) = secrets.lock().expect("lock")[lapsed].clone();
    assert!(!db.give_feedback_by_link(&SecretHash::of(&lapsed_secret), &feedback, now).await.expect("refused"));
    let summary = db.group_feedback(&scope, walk.id).await.expect("read");
    assert_eq!((summary.count, summary.average, summary.newest.len()), (1, Some(5.0), 1));
    assert_eq!(summary.newest[0].comment, "Lovely");

    // Stories: consent is needed, a member of another group cannot be named, and only
    // what may be shown is published.
    let story = |member: String, display: &str, consent: bool| StoryFields {
        member,
        story: format!("A story shown {display}"),
        given_on: String::new(),
        display: display.into(),
        consent,
    };
    let refused = stories::record(db, &caller, walk.id, &story(ann.id.to_string(), "first_name", false)).await;
    assert_eq!(invalid_field(refused), "consent");
    let stranger = linkwell_domain::ids::GroupMemberId::new().to_string();
    assert_eq!(
        invalid_field(stories::record(db, &caller, walk.id, &story(stranger, "anonymous", true)).await),
        "member"
    );
    let shown =
        stories::record(db, &caller, walk.id, &story(ann.id.to_string(), "first_name", true)).await.expect("ok");
    let kept = stories::record(db, &caller, walk.id, &story(ben.id.to_string(), "not_shown", true)).await.expect("ok");
    let published = stories::published(db, &scope, walk.id).await.expect("read");
    assert_eq!(published.iter().map(|s| s.published_as()).collect::<Vec<_>>(), [Some("Member1".to_owned())]);
    assert_eq!(stories::stories(db, &caller, walk.id).await.expect("read").len(), 2);

    // Ann withdraws hers by her link (not Ben's: not hers); twice withdraws once.
    assert!(stories::withdraw_by_link(db, &own_secret, kept.id).await.expect("read").is_none());
    let gone = stories::withdraw_by_link(db, &own_secret, shown.id).await.expect("read").expect("hers");
    let again = stories::withdraw_by_link(db, &own_secret, shown.id).await.expect("read").expect("hers");
    assert_eq!((gone.story.as_str(), gone.withdrawn_at.is_some()), ("", true));
    assert_eq!(again.withdrawn_at, gone.withdrawn_at);
    assert!(stories::published(db, &scope, walk.id).await.expect("read").is_empty());
    let all = stories::stories(db, &caller, walk.id).await.expect("read");
    assert!(all.iter().all(|s| !s.story.contains("first_name")), "its words are gone everywhere: {all:?}");
}
