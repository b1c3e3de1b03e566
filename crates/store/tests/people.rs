//! People, programmes, referrals and session booking on both engines.

use jiff::civil::date;
use linkwell_domain::Version;
use linkwell_domain::people::{NhsNumber, PersonFields, PersonInput};
use linkwell_domain::sessions::ProgrammeRules;
use linkwell_store::people::{NhsNumberAs, create_person_in};
use linkwell_store::people_search::PersonLookup;
use linkwell_store::referrals::NewReferral;
use linkwell_store::testing::TestDb;
use linkwell_store::{Actor, Db, Engine, OrgScope, StoreError, both_engines};

both_engines!(
    same_nhs_number_is_the_same_person,
    possible_duplicates_and_merging,
    programmes_hold_their_rules,
    crossed_merges_never_make_a_cycle,
    an_unconfirmed_nhs_number_points_at_the_record_that_holds_it,
    a_name_is_found_in_name_order_however_many_share_it,
);

const SYS: &Actor = &Actor { user_id: None, request_id: None };

async fn org(db: &Db, slug: &str) -> OrgScope {
    OrgScope::new(db.create_organisation(slug, slug, false).await.unwrap().id)
}

fn person(given: &str, family: &str, nhs: &str, postcode: &str) -> PersonInput {
    let f = PersonFields {
        nhs_number: nhs.into(),
        given_name: given.into(),
        family_name: family.into(),
        date_of_birth: linkwell_domain::time::DateEntry::boxes("27", "3", "1951"),
        sex: "female".into(),
        postcode: postcode.into(),
        phone: "07700 900982".into(),
        preferred_channel: "phone".into(),
        consent_contact: true,
        ..Default::default()
    };
    PersonInput::parse(&f, false, date(2026, 11, 22)).unwrap()
}

async fn same_nhs_number_is_the_same_person(engine: Engine) {
    let t = TestDb::new(engine).await.expect("test database");
    let db = &t.db;
    let a = org(db, "a").await;
    let b = org(db, "b").await;
    let p = db.create_person(&a, SYS, &person("Margaret", "O'Neil", "943 476 5919", "LS1 4AP")).await.unwrap();
    assert_eq!(p.nhs_number.as_deref(), Some("9434765919"));
    assert_eq!(p.date_of_birth, date(1951, 3, 27));
    assert_eq!(p.postcode.as_deref(), Some("LS1 4AP"));
    let again = db.create_person(&a, SYS, &person("Maggie", "Oneil", "9434765919", "")).await;
    assert!(matches!(again, Err(StoreError::Duplicate { field: "nhs_number" })), "{again:?}");
    let nhs = NhsNumber::parse("943-476-5919", false).unwrap();
    assert_eq!(db.person_by_nhs_number(&a, &nhs).await.unwrap().map(|f| f.id), Some(p.id));
    // Another organisation may hold the same person separately, and cannot see A's record.
    assert_eq!(db.person_by_nhs_number(&b, &nhs).await.unwrap(), None);
    assert!(matches!(db.person(&b, p.id).await, Err(StoreError::NotFound)));
    db.create_person(&b, SYS, &person("Margaret", "O'Neil", "943 476 5919", "")).await.unwrap();
    // People without NHS numbers are fine, several of them.
    db.create_person(&a, SYS, &person("Ann", "Lee", "", "")).await.unwrap();
    db.create_person(&a, SYS, &person("Bob", "Lee", "", "")).await.unwrap();
}

async fn possible_duplicates_and_merging(engine: Engine) {
    let t = TestDb::new(engine).await.expect("test database");
    let db = &t.db;
    let a = org(db, "a").await;
    let first = db.create_person(&a, SYS, &person("Margaret", "O'Neil", "", "LS1 4AP")).await.unwrap();
    db.create_person(&a, SYS, &person("Harold", "Smith", "", "LS9 9ZZ")).await.unwrap();
    let found = db.possible_duplicates(&a, &person("Margret", "ONeil", "", "")).await.unwrap();
    assert_eq!(found.iter().map(|p| p.id).collect::<Vec<_>>(), vec![first.id]);
    let by_address = db.possible_duplicates(&a, &person("Peggy", "Brown", "", "LS1 4AP")).await.unwrap();
    assert_eq!(by_address.len(), 1);

    // The self-referral that matched an existing client is merged, not kept as a second case.
    let dup = db.create_person(&a, SYS, &person("Margret", "ONeil", "943 476 5919", "")).await.unwrap();
    let stale = Version(dup.version + 1);
    assert!(matches!(db.merge_people(&a, SYS, first.id, dup.id, stale).await, Err(StoreError::Conflict)));
    db.merge_people(&a, SYS, first.id, dup.id, Version(dup.version)).await.unwrap();
    let merged = db.person(&a, dup.id).await.unwrap();
    assert_eq!(merged.merged_into, Some(first.id), "the duplicate's record and history stay");
    let nhs = NhsNumber::parse("9434765919", false).unwrap();
    assert_eq!(
        db.person_by_nhs_number(&a, &nhs).await.unwrap().map(|p| p.id),
        Some(first.id),
        "lookups lead to the kept record"
    );
    assert!(
        db.possible_duplicates(&a, &person("Margret", "ONeil", "", "")).await.unwrap().iter().all(|p| p.id == first.id)
    );
    // Merging again, or into a merged record, is refused.
    assert!(matches!(
        db.merge_people(&a, SYS, first.id, dup.id, Version(merged.version)).await,
        Err(StoreError::Conflict)
    ));
    assert!(matches!(
        db.merge_people(&a, SYS, dup.id, first.id, Version(first.version)).await,
        Err(StoreError::Conflict)
    ));
    let trail = db.audit_page(&a, &Default::default(), None, 20).await.unwrap();
    assert_eq!(trail.items[0].action, "people_merged");
    assert_eq!(trail.items[0].detail.as_deref(), Some(format!("into={} referrals_moved=0", first.id).as_str()));

    // A merge moves the duplicate's referrals to the kept record, so the person is counted once.
    let prog = db.create_programme(&a, SYS, "Wellbeing", ProgrammeRules::default(), "").await.unwrap();
    let twin = db.create_person(&a, SYS, &person("Margaret", "O'Neill", "", "")).await.unwrap();
    let r = db.create_referral(&a, SYS, &NewReferral::new(twin.id, prog.id, &referral("routine"))).await.unwrap();
    db.merge_people(&a, SYS, first.id, twin.id, Version(twin.version)).await.unwrap();
    assert_eq!(db.referral(&a, r.id).await.unwrap().person_id, first.id);
    let filter = ReferralFilter { person: Some(first.id), ..Default::default() };
    let of_first = db.referral_summaries(&a, &filter, ReferralOrder::NEWEST, None, 10).await.unwrap();
    assert_eq!(of_first.items.iter().map(|s| s.id).collect::<Vec<_>>(), [r.id]);
}

async fn programmes_hold_their_rules(engine: Engine) {
    let t = TestDb::new(engine).await.expect("test database");
    let db = &t.db;
    let a = org(db, "a").await;
    let p = db
        .create_programme(&a, SYS, "Primary Care Wellbeing Project", ProgrammeRules::default(), "Riverside ICB")
        .await
        .unwrap();
    let dup = db.create_programme(&a, SYS, "Primary Care Wellbeing Project", ProgrammeRules::default(), "").await;
    assert!(matches!(dup, Err(StoreError::Duplicate { field: "name" })));
    let listed = db.programmes(&a).await.unwrap();
    assert_eq!(listed, vec![p]);
    assert_eq!(listed[0].rules, ProgrammeRules::default());
}

both_engines!(referral_lifecycle_is_recorded_and_enforced, waiting_list_orders_by_urgency_then_age);

use linkwell_domain::identity::{EmailAddress, PasswordHash, Role};
use linkwell_domain::people::ContactChannel;
use linkwell_domain::referrals::{
    ContactOutcome, DischargeReason, ReferralFields, ReferralInput, ReferralStatus, TransitionError,
};
use linkwell_store::caseload::{ReferralFilter, ReferralOrder};
use linkwell_store::referrals::{Change, ChangeError};

async fn setup(
    db: &Db,
) -> (OrgScope, linkwell_domain::PersonId, linkwell_domain::ProgrammeId, linkwell_domain::UserId) {
    let a = org(db, "a").await;
    let p = db.create_person(&a, SYS, &person("Margaret", "O'Neil", "943 476 5919", "LS1 4AP")).await.unwrap();
    let prog = db.create_programme(&a, SYS, "Wellbeing", ProgrammeRules::default(), "").await.unwrap();
    let worker = link_worker(db, &a, "w@a.example", "Worker").await;
    (a, p.id, prog.id, worker.id)
}

async fn link_worker(db: &Db, scope: &OrgScope, email: &str, name: &str) -> linkwell_store::users::User {
    let new = linkwell_store::users::NewUser {
        email: EmailAddress::parse(email).unwrap(),
        display_name: name.into(),
        role: Role::LinkWorker,
        practice_id: None,
        password_hash: PasswordHash("unused".into()),
    };
    db.create_user(scope, SYS, &new).await.unwrap()
}

fn referral(urgency: &str) -> ReferralInput {
    ReferralInput::parse(&ReferralFields {
        source: "gp".into(),
        needs: vec!["loneliness".into()],
        urgency: urgency.into(),
        consent_confirmed: true,
        ..Default::default()
    })
    .unwrap()
}

async fn referral_lifecycle_is_recorded_and_enforced(engine: Engine) {
    let t = TestDb::new(engine).await.expect("test database");
    let db = &t.db;
    let (a, person, prog, worker) = setup(db).await;
    let r = db.create_referral(&a, SYS, &NewReferral::new(person, prog, &referral("routine"))).await.unwrap();
    assert_eq!(r.status, ReferralStatus::Received);
    let v = |r: &linkwell_store::referrals::Referral| Version(r.version);

    // Illegal first move: refused, nothing changed.
    let e = db
        .change_referral(
            &a,
            SYS,
            r.id,
            v(&r),
            Change::Discharge { reason: DischargeReason::GoalsMet, summary: String::new() },
        )
        .await;
    assert!(matches!(e, Err(ChangeError::Illegal(TransitionError::NotTriaged))), "{e:?}");
    assert_eq!(db.referral(&a, r.id).await.unwrap(), r);

    // Each worker's open cases, as the triggers keep them (migration 22).
    let loads = || async {
        let mut l: Vec<_> =
            db.open_cases_by_worker(&a).await.unwrap().into_iter().map(|c| (c.worker, c.open, c.active)).collect();
        l.sort();
        l
    };
    assert!(loads().await.is_empty(), "received is not open");
    let r = db.change_referral(&a, SYS, r.id, v(&r), Change::Accept { worker }).await.unwrap();
    assert_eq!((r.status, r.assigned_worker_id), (ReferralStatus::Accepted, Some(worker)));
    assert_eq!(loads().await, [(worker, 1, 0)]);
    // A stale version is a conflict.
    let stale = db.change_referral(&a, SYS, r.id, Version(1), Change::ContactMade).await;
    assert!(matches!(stale, Err(ChangeError::Store(StoreError::Conflict))));
    let r = db
        .change_referral(&a, SYS, r.id, v(&r), Change::contact_attempt(ContactChannel::Phone, ContactOutcome::NoAnswer))
        .await
        .unwrap();
    assert_eq!(r.status, ReferralStatus::Contacting { failed_attempts: 1 });
    let r = db
        .change_referral(&a, SYS, r.id, v(&r), Change::contact_attempt(ContactChannel::Phone, ContactOutcome::Reached))
        .await
        .unwrap();
    assert_eq!(r.status, ReferralStatus::Active);
    assert_eq!(loads().await, [(worker, 1, 1)]);
    // Handed to another worker and back: the count moves with it.
    let other = link_worker(db, &a, "o@a.example", "Other").await.id;
    let r = db.reassign_referral(&a, SYS, r.id, v(&r), other).await.unwrap();
    assert_eq!(loads().await, [(other, 1, 1)]);
    let r = db.reassign_referral(&a, SYS, r.id, v(&r), worker).await.unwrap();
    assert_eq!(loads().await, [(worker, 1, 1)]);
    let r = db
        .change_referral(
            &a,
            SYS,
            r.id,
            v(&r),
            Change::Discharge { reason: DischargeReason::GoalsMet, summary: "Joined Walk and Talk".into() },
        )
        .await
        .unwrap();
    assert!(loads().await.is_empty(), "discharged is not open");
    assert_eq!((r.status, r.discharge_reason), (ReferralStatus::Discharged, Some(DischargeReason::GoalsMet)));
    let history: Vec<String> = db
        .referral_history(&a, r.id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| format!("{}:{}->{}", e.event.code(), e.from_status, e.to_status))
        .collect();
    assert_eq!(
        history,
        [
            "accepted:received->accepted",
            "contact_attempt_failed:accepted->contacting",
            "contact_attempt_reached:contacting->active",
            "reassigned:active->active",
            "reassigned:active->active",
            "discharged:active->discharged"
        ]
    );

    // Three failed attempts (the programme's limit) close the referral as unable to contact.
    let mut r = db.create_referral(&a, SYS, &NewReferral::new(person, prog, &referral("routine"))).await.unwrap();
    r = db.change_referral(&a, SYS, r.id, v(&r), Change::Accept { worker }).await.unwrap();
    for _ in 0..3 {
        r = db
            .change_referral(
                &a,
                SYS,
                r.id,
                v(&r),
                Change::contact_attempt(ContactChannel::Letter, ContactOutcome::WrongNumber),
            )
            .await
            .unwrap();
    }
    assert_eq!(r.status, ReferralStatus::UnableToContact { failed_attempts: 3 }, "closed, keeping its count");
    assert!(loads().await.is_empty());

    // Another organisation cannot see or change it.
    let b = org(db, "b").await;
    assert!(matches!(db.referral(&b, r.id).await, Err(StoreError::NotFound)));
    assert!(matches!(
        db.change_referral(&b, SYS, r.id, v(&r), Change::ContactMade).await,
        Err(ChangeError::Store(StoreError::NotFound))
    ));
}

async fn waiting_list_orders_by_urgency_then_age(engine: Engine) {
    let t = TestDb::new(engine).await.expect("test database");
    let db = &t.db;
    let (a, person, prog, worker) = setup(db).await;
    let first_routine =
        db.create_referral(&a, SYS, &NewReferral::new(person, prog, &referral("routine"))).await.unwrap();
    let urgent = db.create_referral(&a, SYS, &NewReferral::new(person, prog, &referral("urgent"))).await.unwrap();
    let second_routine =
        db.create_referral(&a, SYS, &NewReferral::new(person, prog, &referral("routine"))).await.unwrap();
    let soon = db.create_referral(&a, SYS, &NewReferral::new(person, prog, &referral("soon"))).await.unwrap();
    let declined = db.create_referral(&a, SYS, &NewReferral::new(person, prog, &referral("urgent"))).await.unwrap();
    db.change_referral(
        &a,
        SYS,
        declined.id,
        Version(declined.version),
        Change::Decline { reason: "not eligible".into() },
    )
    .await
    .unwrap();
    let accepted =
        db.change_referral(&a, SYS, soon.id, Version(soon.version), Change::Accept { worker }).await.unwrap();
    assert_eq!(accepted.status, ReferralStatus::Accepted);
    let list: Vec<_> = db.waiting_list(&a, None, 50).await.unwrap().items.into_iter().map(|r| r.id).collect();
    assert_eq!(list, vec![urgent.id, soon.id, first_routine.id, second_routine.id]);
    // Paged two at a time, the same order.
    let first_page = db.waiting_list(&a, None, 2).await.unwrap();
    let cursor = first_page.next_cursor.clone().unwrap();
    let second_page = db.waiting_list(&a, Some(&cursor), 2).await.unwrap();
    let paged: Vec<_> = first_page.items.iter().chain(&second_page.items).map(|r| r.id).collect();
    assert_eq!(paged, list);
    assert_eq!(second_page.next_cursor, None);
    let shown = &first_page.items[0];
    assert_eq!((shown.given_name.as_str(), shown.family_name.as_str()), ("Margaret", "O'Neil"));

    // The caseload: the worker's open referrals; reassigning moves one to another worker.
    let caseload: Vec<_> = db.caseload(&a, worker, 100).await.unwrap().into_iter().map(|r| r.id).collect();
    assert_eq!(caseload, [soon.id]);
    let other = link_worker(db, &a, "other@a.example", "Other").await;
    let moved = db.reassign_referral(&a, SYS, soon.id, Version(accepted.version), other.id).await.unwrap();
    assert_eq!((moved.assigned_worker_id, moved.status), (Some(other.id), ReferralStatus::Accepted));
    assert!(db.caseload(&a, worker, 100).await.unwrap().is_empty());
    assert_eq!(db.caseload(&a, other.id, 100).await.unwrap().len(), 1);
    let stale = db.reassign_referral(&a, SYS, soon.id, Version(accepted.version), worker).await;
    assert!(matches!(stale, Err(ChangeError::Store(StoreError::Conflict))), "{stale:?}");
    let not_triaged = db.reassign_referral(&a, SYS, urgent.id, Version(urgent.version), worker).await;
    assert!(matches!(not_triaged, Err(ChangeError::Illegal(TransitionError::NotTriaged))), "{not_triaged:?}");
    let history = db.referral_history(&a, soon.id).await.unwrap();
    assert_eq!(
        history.last().map(|e| e.event),
        Some(linkwell_domain::referrals::HistoryEvent::Reassigned { worker: other.id })
    );
}

both_engines!(booking_respects_limits_hours_and_double_booking);

use jiff::civil::time;
use linkwell_domain::sessions::{BookingError, Fold, SessionKind, SessionMode, london_instant};
use linkwell_store::sessions::{BookingProblem, NewSession};

async fn booking_respects_limits_hours_and_double_booking(engine: Engine) {
    let t = TestDb::new(engine).await.expect("test database");
    let db = &t.db;
    let (a, person, prog, worker) = setup(db).await;
    let site = db.create_site(&a, SYS, None, "Hub", "", None).await.unwrap();
    let room = db.create_room(&a, SYS, site.id, "Room 1").await.unwrap();
    let mut r = db.create_referral(&a, SYS, &NewReferral::new(person, prog, &referral("routine"))).await.unwrap();
    let at = |d: i8, h: i8, m: i8| london_instant(date(2026, 12, d), time(h, m, 0, 0), None::<Fold>).unwrap();
    let new = |kind, mode, room_id, starts| NewSession {
        referral_id: r.id,
        worker_id: worker,
        kind,
        mode,
        room_id,
        starts,
        reminder: None,
    };

    // Not before the referral is accepted.
    let e = db.book_session(&a, SYS, &new(SessionKind::Initial, SessionMode::Telephone, None, at(1, 10, 0))).await;
    assert!(matches!(e, Err(BookingProblem::ReferralNotOpen)), "{e:?}");
    r = db.change_referral(&a, SYS, r.id, Version(r.version), Change::Accept { worker }).await.unwrap();
    let new = |kind, mode, room_id, starts| NewSession {
        referral_id: r.id,
        worker_id: worker,
        kind,
        mode,
        room_id,
        starts,
        reminder: None,
    };

    assert!(matches!(
        db.book_session(&a, SYS, &new(SessionKind::FollowUp, SessionMode::Telephone, None, at(1, 10, 0))).await,
        Err(BookingProblem::Limit(BookingError::InitialFirst))
    ));
    assert!(matches!(
        db.book_session(&a, SYS, &new(SessionKind::Initial, SessionMode::InPerson, None, at(1, 10, 0))).await,
        Err(BookingProblem::RoomRequired)
    ));
    let first = db
        .book_session(&a, SYS, &new(SessionKind::Initial, SessionMode::InPerson, Some(room.id), at(1, 10, 0)))
        .await
        .unwrap();
    assert_eq!(first.ends_at - first.starts_at, 45 * 60_000, "initial sessions last 45 minutes");

    // The worker is busy until 10:45; back-to-back is fine.
    let clash =
        db.book_session(&a, SYS, &new(SessionKind::FollowUp, SessionMode::Telephone, None, at(1, 10, 30))).await;
    assert!(matches!(clash, Err(BookingProblem::WorkerBusy)), "{clash:?}");
    let back_to_back = db
        .book_session(&a, SYS, &new(SessionKind::FollowUp, SessionMode::Telephone, None, at(1, 10, 45)))
        .await
        .unwrap();
    assert_eq!(back_to_back.ends_at - back_to_back.starts_at, 30 * 60_000, "follow-ups last 30 minutes");

    // Outside working hours (Monday to Friday 9 to 5 by default), and at weekends.
    assert!(matches!(
        db.book_session(&a, SYS, &new(SessionKind::FollowUp, SessionMode::Video, None, at(1, 8, 30))).await,
        Err(BookingProblem::OutsideHours)
    ));
    assert!(matches!(
        db.book_session(&a, SYS, &new(SessionKind::FollowUp, SessionMode::Video, None, at(1, 16, 45))).await,
        Err(BookingProblem::OutsideHours)
    ));
    assert!(
        matches!(
            db.book_session(&a, SYS, &new(SessionKind::FollowUp, SessionMode::Video, None, at(5, 11, 0))).await,
            Err(BookingProblem::OutsideHours)
        ),
        "Saturday"
    );
    db.set_working_hours(&a, worker, 6, time(10, 0, 0, 0), time(13, 0, 0, 0)).await.unwrap();
    db.book_session(&a, SYS, &new(SessionKind::FollowUp, SessionMode::Video, None, at(5, 11, 0))).await.unwrap();

    // Another worker cannot have the room while it is booked.
    let other = link_worker(db, &a, "w2@a.example", "W2").await;
    let mut r2 = db.create_referral(&a, SYS, &NewReferral::new(person, prog, &referral("routine"))).await.unwrap();
    r2 = db.change_referral(&a, SYS, r2.id, Version(r2.version), Change::Accept { worker: other.id }).await.unwrap();
    let in_room = NewSession {
        referral_id: r2.id,
        worker_id: other.id,
        kind: SessionKind::Initial,
        mode: SessionMode::InPerson,
        room_id: Some(room.id),
        starts: at(1, 10, 15),
        reminder: None,
    };
    assert!(matches!(db.book_session(&a, SYS, &in_room).await, Err(BookingProblem::RoomBusy)));

    // One initial and five follow-ups, then a clear refusal.
    for d in [2, 3, 4] {
        db.book_session(&a, SYS, &new(SessionKind::FollowUp, SessionMode::Telephone, None, at(d, 14, 0)))
            .await
            .unwrap();
    }
    let sixth = db.book_session(&a, SYS, &new(SessionKind::FollowUp, SessionMode::Telephone, None, at(8, 14, 0))).await;
    match sixth {
        Err(BookingProblem::Limit(BookingError::FollowUpLimit { allowed: 5 })) => {}
        other => panic!("expected the follow-up limit, got {other:?}"),
    }

    // Eight people try to book the same worker at the same moment: exactly one succeeds.
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let db = db.clone();
            let s = NewSession {
                referral_id: r2.id,
                worker_id: other.id,
                kind: SessionKind::Initial,
                mode: SessionMode::Telephone,
                room_id: None,
                starts: at(9, 11, 0),
                reminder: None,
            };
            tokio::spawn(async move { db.book_session(&a, SYS, &s).await.is_ok() })
        })
        .collect();
    let mut booked = 0;
    for t in tasks {
        booked += usize::from(t.await.unwrap());
    }
    assert_eq!(booked, 1);
}

both_engines!(outcomes_and_extensions);

use linkwell_domain::referrals::FollowUpExtension;
use linkwell_domain::sessions::{Outcome, SessionNotes, SessionStatus};

async fn outcomes_and_extensions(engine: Engine) {
    let t = TestDb::new(engine).await.expect("test database");
    let db = &t.db;
    let (a, person, prog, worker) = setup(db).await;
    let mut r = db.create_referral(&a, SYS, &NewReferral::new(person, prog, &referral("routine"))).await.unwrap();
    r = db.change_referral(&a, SYS, r.id, Version(r.version), Change::Accept { worker }).await.unwrap();
    let at = |d: i8, h: i8| london_instant(date(2026, 12, d), time(h, 0, 0, 0), None::<Fold>).unwrap();
    let referral_id = r.id;
    let book = |kind, starts| NewSession {
        referral_id,
        worker_id: worker,
        kind,
        mode: SessionMode::Telephone,
        room_id: None,
        starts,
        reminder: None,
    };
    let initial = db.book_session(&a, SYS, &book(SessionKind::Initial, at(1, 10))).await.unwrap();
    let attended = db
        .record_session_outcome(
            &a,
            SYS,
            initial.id,
            Version(1),
            Outcome::Attended,
            &SessionNotes::parse("Talked about walking").unwrap(),
        )
        .await
        .unwrap();
    assert_eq!((attended.status, attended.version), (SessionStatus::Ended(Outcome::Attended), 2));
    assert_eq!(attended.notes, "Talked about walking");
    // An outcome is recorded once; a second (or stale) one is a conflict.
    assert!(matches!(
        db.record_session_outcome(&a, SYS, initial.id, Version(2), Outcome::DidNotAttend, &SessionNotes::default())
            .await,
        Err(StoreError::Conflict)
    ));
    // A session that is not there is not found.
    let missing = db
        .record_session_outcome(
            &a,
            SYS,
            linkwell_domain::ids::SessionId::new(),
            Version(1),
            Outcome::Attended,
            &SessionNotes::default(),
        )
        .await;
    assert!(matches!(missing, Err(StoreError::NotFound)), "{missing:?}");

    let mut follow_ups = Vec::new();
    for d in [2, 3, 4, 7, 8] {
        follow_ups.push(db.book_session(&a, SYS, &book(SessionKind::FollowUp, at(d, 10))).await.unwrap());
    }
    let sixth = db.book_session(&a, SYS, &book(SessionKind::FollowUp, at(9, 10))).await;
    assert!(matches!(sixth, Err(BookingProblem::Limit(BookingError::FollowUpLimit { allowed: 5 }))), "{sixth:?}");
    // A cancelled session frees its place and its time.
    db.record_session_outcome(
        &a,
        SYS,
        follow_ups[0].id,
        Version(1),
        Outcome::CancelledByPerson,
        &SessionNotes::default(),
    )
    .await
    .unwrap();
    let again = db.book_session(&a, SYS, &book(SessionKind::FollowUp, at(2, 10))).await.unwrap();
    assert_eq!(again.starts_at, follow_ups[0].starts_at);
    // A coordinator extends the limit with a reason: one more can be booked, then no more.
    r = db
        .extend_follow_ups(
            &a,
            SYS,
            r.id,
            Version(r.version),
            &FollowUpExtension::parse("1", "Debt advice appointment pending").unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(r.follow_up_extension, 1);
    assert!(matches!(
        db.extend_follow_ups(&a, SYS, r.id, Version(r.version - 1), &FollowUpExtension::parse("1", "again").unwrap())
            .await,
        Err(StoreError::Conflict)
    ));
    db.book_session(&a, SYS, &book(SessionKind::FollowUp, at(9, 10))).await.unwrap();
    let seventh = db.book_session(&a, SYS, &book(SessionKind::FollowUp, at(10, 10))).await;
    assert!(matches!(seventh, Err(BookingProblem::Limit(BookingError::FollowUpLimit { allowed: 6 }))), "{seventh:?}");
    let sessions = db.sessions_for_referral(&a, r.id).await.unwrap();
    assert_eq!(sessions.len(), 8);
    assert!(sessions.windows(2).all(|w| w[0].starts_at <= w[1].starts_at));
    let history: Vec<String> =
        db.referral_history(&a, r.id).await.unwrap().into_iter().map(|e| e.event.code().to_owned()).collect();
    assert_eq!(history, ["accepted", "follow_ups_extended"]);
}

both_engines!(plans_keep_every_version);

use linkwell_domain::plans::{GoalFields, Plan, PlanFields};

async fn plans_keep_every_version(engine: Engine) {
    let t = TestDb::new(engine).await.expect("test database");
    let db = &t.db;
    let (a, person, prog, _) = setup(db).await;
    let r = db.create_referral(&a, SYS, &NewReferral::new(person, prog, &referral("routine"))).await.unwrap();
    assert_eq!(db.current_plan(&a, r.id).await.unwrap(), None);
    let plan = |goal: &str| {
        Plan::parse(&PlanFields {
            what_matters: "Seeing people again".into(),
            goals: vec![GoalFields { text: goal.into(), ..Default::default() }],
            ..Default::default()
        })
        .unwrap()
    };
    let v1 = db.save_plan(&a, SYS, r.id, 0, &plan("Join a walking group")).await.unwrap();
    assert_eq!(v1.version, 1);
    assert_eq!(
        db.referral_summaries(&a, &ReferralFilter::default(), ReferralOrder::NEWEST, None, 5).await.unwrap().items[0]
            .next_review,
        None
    );
    let mut reviewed = plan("Walk and Talk every Tuesday");
    reviewed.next_review = Some(date(2027, 1, 5));
    let v2 = db.save_plan(&a, SYS, r.id, 1, &reviewed).await.unwrap();
    assert_eq!(v2.version, 2);
    let listed = db.referral_summaries(&a, &ReferralFilter::default(), ReferralOrder::NEWEST, None, 5).await.unwrap();
    assert_eq!(listed.items[0].next_review.as_deref(), Some("2027-01-05"), "caseloads see the plan's next review");
    // A save based on an old version is refused, not merged over the newer one.
    assert!(matches!(db.save_plan(&a, SYS, r.id, 1, &plan("Lost edit")).await, Err(StoreError::Conflict)));
    let versions = db.plan_versions(&a, r.id).await.unwrap();
    assert_eq!(versions.iter().map(|v| v.version).collect::<Vec<_>>(), [2, 1]);
    assert_eq!(versions[1].plan.goals[0].text, "Join a walking group");
    assert_eq!(db.current_plan(&a, r.id).await.unwrap().unwrap().plan.goals[0].text, "Walk and Talk every Tuesday");
    let b = org(db, "b").await;
    assert!(matches!(db.save_plan(&b, SYS, r.id, 0, &plan("x")).await, Err(StoreError::NotFound)));
    assert!(db.plan_versions(&b, r.id).await.unwrap().is_empty());
}

/// Issue 10 item 19: the kept record was checked outside the merge's transaction, so
/// merges A→B and B→A at the same moment could both succeed and make a cycle.
async fn crossed_merges_never_make_a_cycle(engine: Engine) {
    let t = TestDb::new(engine).await.expect("test database");
    let db = &t.db;
    let a = org(db, "a").await;
    for round in 0..10 {
        let x = db.create_person(&a, SYS, &person("Ann", &format!("Ash{round}"), "", "LS1 4AP")).await.unwrap();
        let y = db.create_person(&a, SYS, &person("Anne", &format!("Ash{round}"), "", "LS1 4AP")).await.unwrap();
        let (one, two) = tokio::join!(
            db.merge_people(&a, SYS, x.id, y.id, Version(y.version)),
            db.merge_people(&a, SYS, y.id, x.id, Version(x.version)),
        );
        assert!(one.is_ok() != two.is_ok(), "exactly one merge wins: {one:?} {two:?}");
        assert!(matches!(one.err().or(two.err()), Some(StoreError::Conflict)));
        let (x, y) = (db.person(&a, x.id).await.unwrap(), db.person(&a, y.id).await.unwrap());
        assert!(!(x.merged_into.is_some() && y.merged_into.is_some()), "no cycle");
    }
}

async fn an_unconfirmed_nhs_number_points_at_the_record_that_holds_it(engine: Engine) {
    let t = TestDb::new(engine).await.expect("test database");
    let db = &t.db;
    let a = org(db, "a").await;
    let known = db.create_person(&a, SYS, &person("Margaret", "Oakes", "943 476 5919", "LS1 4AP")).await.unwrap();
    let claimed = person("Made", "Up", "943 476 5919", "LS6 2AB");
    let mut tx = db.begin().await.unwrap();
    let new = create_person_in(&mut tx, &a, SYS, &claimed, NhsNumberAs::Unconfirmed).await.unwrap();
    tx.commit().await.unwrap();
    let new = db.person(&a, new).await.unwrap();
    assert_eq!((new.nhs_number.as_deref(), new.unconfirmed_nhs_number.as_deref()), (None, Some("9434765919")));
    assert_eq!(db.nhs_number_match_of(&a, &new).await.unwrap().map(|p| p.id), Some(known.id));
    assert_eq!(db.nhs_number_match_of(&a, &known).await.unwrap(), None);
    // The number still finds the record that holds it.
    let nhs = NhsNumber::parse("9434765919", false).unwrap();
    assert_eq!(db.person_by_nhs_number(&a, &nhs).await.unwrap().map(|p| p.id), Some(known.id));
}

/// A name's people are read in two steps when up to 1,000 share it and in one statement
/// beyond: either way the same people, merged records left out, in name order.
async fn a_name_is_found_in_name_order_however_many_share_it(engine: Engine) {
    let t = TestDb::new(engine).await.expect("test database");
    let db = &t.db;
    let a = org(db, "a").await;
    let letter = |n: usize| char::from(b'a' + (n % 26) as u8);
    // 1,010 Anns with family names Smithaaa … Smithbmv, written backwards so that the
    // order found is not the order written; and one Ann Smithaaa merged into another record.
    let family = |i: usize| format!("Smith{}{}{}", letter(i / 676), letter(i / 26), letter(i));
    let mut tx = db.begin().await.unwrap();
    for i in (0..1010).rev() {
        create_person_in(&mut tx, &a, SYS, &person("Ann", &family(i), "", ""), NhsNumberAs::Confirmed).await.unwrap();
    }
    tx.commit().await.unwrap();
    let extra = db.create_person(&a, SYS, &person("Ann", "Smithaaa", "", "")).await.unwrap();
    let kept = db.create_person(&a, SYS, &person("Bob", "Kept", "", "")).await.unwrap();
    db.merge_people(&a, SYS, kept.id, extra.id, Version(extra.version)).await.unwrap();
    let families = |sets: Vec<Vec<&str>>| {
        let lookup =
            PersonLookup::NameTokens(sets.into_iter().map(|s| s.into_iter().map(str::to_owned).collect()).collect());
        async move {
            let found = db.find_people(&a, &lookup, None, 51).await.unwrap();
            assert!(found.iter().all(|p| p.given_name == "Ann" && p.merged_into.is_none()), "{found:?}");
            found.into_iter().map(|p| p.family_name).collect::<Vec<_>>()
        }
    };
    let tokens: Vec<String> = (0..1010).map(|i| family(i).to_lowercase()).collect();
    // More than 1,000 share both names: the first 51 by family name.
    let many = families(vec![vec!["ann"], tokens.iter().map(String::as_str).collect()]).await;
    assert_eq!(many, (0..51).map(family).collect::<Vec<_>>());
    // A few do: in order, the merged record left out.
    let few = families(vec![vec!["ann"], vec!["smithaab", "smithaaa", "smithzzz"]]).await;
    assert_eq!(few, ["Smithaaa", "Smithaab"]);
    // One name alone, shared by more than 1,000, and a name nobody has.
    assert_eq!(families(vec![vec!["ann"]]).await.len(), 51);
    assert!(families(vec![vec!["ann"], vec!["nobody"]]).await.is_empty());
}
