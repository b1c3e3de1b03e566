//! The community directory on both engines: listings and their history, status, checks,
//! imports by id, postcodes, social prescriptions and unmet needs.

use jiff::civil::date;
use linkwell_domain::Version;
use linkwell_domain::chronology::Untimely;
use linkwell_domain::directory::{
    LatLon, OutcomeFields, PrescriptionFields, PrescriptionInput, PrescriptionOutcome, ProviderFields, ProviderInput,
    ScheduleFields, ServiceFields, ServiceInput, ServiceStatus, Term, UnmetNeedFields, UnmetNeedInput,
};
use linkwell_domain::people::{PersonFields, PersonInput, Postcode};
use linkwell_domain::referrals::{Need, ReferralFields, ReferralInput};
use linkwell_domain::sessions::ProgrammeRules;
use linkwell_store::directory::{Located, PostcodeRow, SaveOrigin, ServiceFilter};
use linkwell_store::referrals::NewReferral;
use linkwell_store::testing::TestDb;
use linkwell_store::{Actor, Db, Engine, OrgScope, StoreError, both_engines};

both_engines!(
    listings_keep_their_parts_and_history,
    status_checks_and_imports,
    postcodes_locate_with_district_fallback,
    prescriptions_follow_up_and_unmet_needs,
    stale_and_missing_are_told_apart,
    a_group_keeps_its_sessions_with_its_schedule
);

const SYS: &Actor = &Actor { user_id: None, request_id: None };

async fn org(db: &Db, slug: &str) -> OrgScope {
    OrgScope::new(db.create_organisation(slug, slug, false).await.unwrap().id)
}

async fn provider(db: &Db, scope: &OrgScope, name: &str) -> linkwell_store::directory::Provider {
    let f = ProviderFields {
        name: name.into(),
        kind: "voluntary".into(),
        description: "Local charity".into(),
        ..Default::default()
    };
    db.create_provider(scope, SYS, &ProviderInput::parse(&f).unwrap()).await.unwrap()
}

fn listing(provider: &linkwell_store::directory::Provider, name: &str) -> ServiceFields {
    ServiceFields {
        provider_id: provider.id.to_string(),
        name: name.into(),
        description: "A gentle walk with a cuppa after.".into(),
        cost: "free".into(),
        wheelchair: true,
        languages: "English, Urdu".into(),
        needs: vec!["loneliness".into()],
        activities: vec!["walking".into()],
        location_name: "Roundhay Park".into(),
        town: "Leeds".into(),
        postcode: "LS8 2HH".into(),
        capacity: "20".into(),
        schedules: vec![ScheduleFields {
            repeat: "weekly".into(),
            day: "TU".into(),
            starts: linkwell_domain::time::DateEntry::Iso("2026-12-01".into()),
            opens: "10:00".into(),
            closes: "11:30".into(),
            ..Default::default()
        }],
        ..Default::default()
    }
}

fn parse(f: &ServiceFields) -> ServiceInput {
    let mut s = ServiceInput::parse(f, date(2026, 11, 23)).unwrap();
    for l in &mut s.locations {
        l.point = LatLon::new(53.8225, -1.5066);
    }
    s
}

async fn listings_keep_their_parts_and_history(engine: Engine) {
    let t = TestDb::new(engine).await.expect("test database");
    let db = &t.db;
    let a = org(db, "a").await;
    let b = org(db, "b").await;
    let ramblers = provider(db, &a, "Leeds Ramblers").await;
    let today = date(2026, 11, 23);
    let s = db.create_service(&a, SYS, &parse(&listing(&ramblers, "Walk and Talk")), today).await.unwrap();
    assert_eq!(s.provider_name, "Leeds Ramblers");
    assert_eq!(
        s.terms,
        vec![Term::Need(Need::Loneliness), Term::Activity(linkwell_domain::directory::ActivityType::Walking)]
    );
    assert_eq!(s.languages, vec!["English", "Urdu"]);
    assert_eq!(s.capacity, Some(20));
    assert!(s.wheelchair && s.cost.is_free() && s.status.is_active());
    assert_eq!(s.last_verified, Some(today));
    assert_eq!(s.locations.len(), 1);
    assert_eq!(s.locations[0].postcode.as_deref(), Some("LS8 2HH"));
    assert_eq!(s.locations[0].point, LatLon::new(53.8225, -1.5066));
    assert_eq!(s.schedules.len(), 1);
    assert_eq!(s.schedules[0].schedule.recurrence.to_string(), "FREQ=WEEKLY;BYDAY=TU");
    assert_eq!(s.next_date(today), Some(date(2026, 12, 1)));
    // Another organisation cannot see it.
    assert!(matches!(db.service(&b, s.id).await, Err(StoreError::NotFound)));

    // An edit keeps location ids and records which fields changed.
    let mut f = listing(&ramblers, "Walk and Talk");
    f.cost = "paid".into();
    f.cost_amount = "2".into();
    f.schedules[0].day = "WE".into();
    let edited = db.update_service(&a, SYS, s.id, Version(s.version), &parse(&f)).await.unwrap();
    assert_eq!(edited.version, s.version + 1);
    assert_eq!(edited.locations[0].id, s.locations[0].id);
    assert_eq!(edited.locations[0].service_at_location_id, s.locations[0].service_at_location_id);
    assert_eq!(edited.cost.summary(), "£2.00");
    let stale = db.update_service(&a, SYS, s.id, Version(s.version), &parse(&f)).await;
    assert!(matches!(stale, Err(StoreError::Conflict)), "{stale:?}");
    // Removing the place removes the venue too.
    f.location_name.clear();
    f.town.clear();
    f.postcode.clear();
    let online = db.update_service(&a, SYS, s.id, Version(edited.version), &parse(&f)).await.unwrap();
    assert!(online.locations.is_empty());

    let history = db.service_history(&a, s.id).await.unwrap();
    let kinds: Vec<_> = history.iter().map(|e| (e.kind.as_str(), e.detail.as_str())).collect();
    assert_eq!(kinds, vec![("edited", "where it meets"), ("edited", "cost, when it runs"), ("created", "")]);

    // Pages filter by term and provider and count the whole match.
    let other = provider(db, &a, "Faith Forum").await;
    let mut lunch = listing(&other, "Lunch club");
    lunch.activities = vec!["social_club".into()];
    db.create_service(&a, SYS, &parse(&lunch), today).await.unwrap();
    let walking = ServiceFilter {
        term: Some(Term::Activity(linkwell_domain::directory::ActivityType::Walking)),
        ..Default::default()
    };
    let (page, total) = db.services_page(&a, &walking, 0, 10).await.unwrap();
    assert_eq!((page.len(), total), (1, 1));
    let (page, total) = db.services_page(&a, &ServiceFilter::default(), 1, 1).await.unwrap();
    assert_eq!((page[0].name.as_str(), total), ("Walk and Talk", 2));
    let by_other = ServiceFilter { provider_id: Some(other.id), ..Default::default() };
    assert_eq!(db.services_page(&a, &by_other, 0, 10).await.unwrap().1, 1);
    let later = ServiceFilter { modified_after: Some(online.updated_at + 1), ..Default::default() };
    assert_eq!(
        db.services_page(&a, &later, 0, 10).await.unwrap().0.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(),
        ["Lunch club"]
    );
    assert_eq!(db.services_page(&b, &ServiceFilter::default(), 0, 10).await.unwrap().1, 0);
    let changed = db.services_changed_since((0, ""), 100).await.unwrap();
    assert_eq!(changed.len(), 2);
    // Paging by the cursor: one at a time, without repeats.
    let first = db.services_changed_since((0, ""), 1).await.unwrap();
    let (_, id, at) = first[0];
    let second = db.services_changed_since((at, &id.to_string()), 10).await.unwrap();
    assert_eq!(second.len(), 1);
    assert_ne!(second[0].1, id);
    assert!(changed.iter().all(|(scope, _, _)| *scope == a));
}

async fn status_checks_and_imports(engine: Engine) {
    let t = TestDb::new(engine).await.expect("test database");
    let db = &t.db;
    let a = org(db, "a").await;
    let p = provider(db, &a, "Leeds Ramblers").await;
    let today = date(2026, 11, 23);
    let s = db.create_service(&a, SYS, &parse(&listing(&p, "Walk and Talk")), today).await.unwrap();
    let paused = db
        .set_service_status(
            &a,
            SYS,
            s.id,
            Version(s.version),
            &ServiceStatus::Paused { restart: Some(date(2027, 3, 1)) },
            "Winter break",
        )
        .await
        .unwrap();
    assert_eq!(paused.status, ServiceStatus::Paused { restart: Some(date(2027, 3, 1)) });
    // Nothing to check yet: verified today and not due back.
    assert!(db.services_to_check(&a, today, 1000).await.unwrap().0.is_empty());
    // On 2 March it should have restarted: someone should check.
    let check = db.services_to_check(&a, date(2027, 3, 2), 1000).await.unwrap().0;
    assert_eq!(check.iter().map(|c| c.id).collect::<Vec<_>>(), vec![s.id]);
    let closed = db
        .set_service_status(
            &a,
            SYS,
            s.id,
            Version(paused.version),
            &ServiceStatus::Closed { reason: "Funding ended".into() },
            "",
        )
        .await
        .unwrap();
    assert_eq!(closed.status.oruk(), "defunct");
    assert!(
        db.services_to_check(&a, date(2027, 3, 2), 1000).await.unwrap().0.is_empty(),
        "closed listings need no checking"
    );
    let reopened = db
        .set_service_status(&a, SYS, s.id, Version(closed.version), &ServiceStatus::Active, "New funding")
        .await
        .unwrap();
    // Six months on, it is stale; verifying clears it.
    assert_eq!(db.services_to_check(&a, date(2027, 5, 23), 1000).await.unwrap().0.len(), 1);
    db.verify_service(&a, SYS, s.id, date(2027, 5, 23), "Rang the organiser").await.unwrap();
    assert!(db.services_to_check(&a, date(2027, 5, 23), 1000).await.unwrap().0.is_empty());
    // Exceptions: a date it does not run on, then runs after all.
    let ex = db.set_service_exception(&a, SYS, s.id, date(2026, 12, 8), Some("Storm warning")).await.unwrap();
    assert_eq!(ex.exception_dates(), vec![date(2026, 12, 8)]);
    assert!(ex.version > reopened.version);
    let ex = db.set_service_exception(&a, SYS, s.id, date(2026, 12, 8), None).await.unwrap();
    assert!(ex.exceptions.is_empty());
    let kinds: Vec<_> = db.service_history(&a, s.id).await.unwrap().into_iter().map(|e| e.kind).collect();
    assert_eq!(kinds, ["exception_removed", "exception_added", "verified", "reopened", "closed", "paused", "created"]);

    // Importing under the publisher's id twice updates, never duplicates; it is never verified here.
    let id = linkwell_domain::ServiceId::new();
    let imported = db
        .save_service(&a, SYS, id, None, &parse(&listing(&p, "Chair yoga")), SaveOrigin::Import("feed.json"), None)
        .await
        .unwrap();
    assert_eq!((imported.version, imported.last_verified, imported.source.as_str()), (1, None, "feed.json"));
    let mut f = listing(&p, "Chair yoga for all");
    f.schedules.push(ScheduleFields {
        rule: "FREQ=MONTHLY;BYDAY=-1FR".into(),
        starts: linkwell_domain::time::DateEntry::Iso("2026-01-01".into()),
        opens: "14:00".into(),
        closes: "15:00".into(),
        ..Default::default()
    });
    let again = db.save_service(&a, SYS, id, None, &parse(&f), SaveOrigin::Import("feed.json"), None).await.unwrap();
    assert_eq!((again.version, again.name.as_str(), again.schedules.len()), (2, "Chair yoga for all", 2));
    assert_eq!(again.locations[0].id, imported.locations[0].id);
    assert_eq!(db.services_page(&a, &ServiceFilter::default(), 0, 10).await.unwrap().1, 2);
    assert!(db.services_to_check(&a, today, 1000).await.unwrap().0.iter().any(|c| c.id == id), "never verified here");
    // Never checked comes first on both engines, then the oldest check; the directory
    // page's count stops where it is told to.
    let later = date(2028, 1, 1);
    let (check, total) = db.services_to_check(&a, later, 1000).await.unwrap();
    assert_eq!(check.iter().map(|c| c.id).collect::<Vec<_>>(), vec![id, s.id]);
    assert_eq!(total, 2);
    assert_eq!(db.count_services_to_check(&a, later, 1000).await.unwrap(), 2);
    assert_eq!(db.count_services_to_check(&a, later, 1).await.unwrap(), 1);
}

async fn postcodes_locate_with_district_fallback(engine: Engine) {
    let t = TestDb::new(engine).await.expect("test database");
    let db = &t.db;
    let rows = [("LS8 2HH", 53.8310, -1.4990), ("LS8 1AA", 53.8210, -1.5110), ("LS6 2AB", 53.8195, -1.5762)];
    let n = db
        .import_postcodes(
            rows.iter()
                .map(|(p, lat, lon)| PostcodeRow { postcode: (*p).into(), point: LatLon::new(*lat, *lon).unwrap() }),
        )
        .await
        .unwrap();
    assert_eq!(n, 3);
    assert_eq!(db.refresh_district_centroids().await.unwrap(), 2);
    let exact = db.locate_postcode(&Postcode::parse("ls8 2hh").unwrap()).await.unwrap();
    assert_eq!(exact, Some(Located::Postcode(LatLon::new(53.8310, -1.4990).unwrap())));
    let district = db.locate_postcode(&Postcode::parse("LS8 9ZZ").unwrap()).await.unwrap().unwrap();
    assert!(matches!(district, Located::District(_)));
    assert!((district.point().lat() - 53.826).abs() < 1e-9);
    assert_eq!(db.locate_postcode(&Postcode::parse("YO1 7HH").unwrap()).await.unwrap(), None);
    assert_eq!(db.locate_postcode(&Postcode::parse("ZZ99 3VZ").unwrap()).await.unwrap(), None);
    // Loading again replaces the point.
    db.import_postcodes([PostcodeRow { postcode: "LS8 2HH".into(), point: LatLon::new(53.0, -1.0).unwrap() }])
        .await
        .unwrap();
    assert_eq!(db.postcode_point("LS8 2HH").await.unwrap(), LatLon::new(53.0, -1.0));
    assert_eq!(db.postcode_count().await.unwrap(), 5);
}

async fn prescriptions_follow_up_and_unmet_needs(engine: Engine) {
    let t = TestDb::new(engine).await.expect("test database");
    let db = &t.db;
    let a = org(db, "a").await;
    let p = provider(db, &a, "Leeds Ramblers").await;
    let s = db.create_service(&a, SYS, &parse(&listing(&p, "Walk and Talk")), date(2026, 11, 1)).await.unwrap();
    let person = PersonInput::parse(
        &PersonFields {
            given_name: "Ann".into(),
            family_name: "Lee".into(),
            date_of_birth: linkwell_domain::time::DateEntry::boxes("1", "2", "1950"),
            sex: "female".into(),
            preferred_channel: "letter".into(),
            ..Default::default()
        },
        false,
        date(2026, 11, 1),
    )
    .unwrap();
    let person = db.create_person(&a, SYS, &person).await.unwrap();
    let prog = db.create_programme(&a, SYS, "Wellbeing", ProgrammeRules::default(), "").await.unwrap();
    let input = ReferralInput::parse(&ReferralFields {
        source: "gp".into(),
        needs: vec!["loneliness".into()],
        urgency: "routine".into(),
        consent_confirmed: true,
        ..Default::default()
    })
    .unwrap();
    let r = db.create_referral(&a, SYS, &NewReferral::new(person.id, prog.id, &input)).await.unwrap();
    let worker = {
        let new = linkwell_store::users::NewUser {
            email: linkwell_domain::identity::EmailAddress::parse("w@a.example").unwrap(),
            display_name: "Worker".into(),
            role: linkwell_domain::identity::Role::LinkWorker,
            practice_id: None,
            password_hash: linkwell_domain::identity::PasswordHash("unused".into()),
        };
        db.create_user(&a, SYS, &new).await.unwrap()
    };
    db.change_referral(
        &a,
        SYS,
        r.id,
        Version(r.version),
        linkwell_store::referrals::Change::Accept { worker: worker.id },
    )
    .await
    .unwrap();

    let rx = PrescriptionInput::parse(
        &PrescriptionFields {
            service_id: s.id.to_string(),
            date: linkwell_domain::time::DateEntry::boxes("3", "11", "2026"),
            kind: "accompanied".into(),
            notes: "Met at the gates".into(),
        },
        date(2026, 11, 23),
    )
    .unwrap();
    let rx = db.record_prescription(&a, SYS, r.id, person.id, &rx).await.unwrap();
    assert_eq!((rx.service_name.as_str(), rx.follow_up_due), ("Walk and Talk", Some(date(2026, 11, 17))));
    let due = db.prescription_follow_ups_due(&a, Some(worker.id), date(2026, 11, 23)).await.unwrap();
    assert_eq!(
        due.iter().map(|d| (d.prescription.id, d.given_name.as_str())).collect::<Vec<_>>(),
        vec![(rx.id, "Ann")]
    );
    assert!(
        db.prescription_follow_ups_due(&a, Some(linkwell_domain::UserId::new()), date(2026, 11, 23))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(db.prescription_follow_ups_due(&a, None, date(2026, 11, 16)).await.unwrap().is_empty());

    let (o, why) = OutcomeFields { outcome: "started".into(), reason: String::new() }.parse().unwrap();
    // Not before the service first met, nor "at 6 weeks" before six weeks: refused, unchanged.
    let early = db
        .record_prescription_outcome(
            &a,
            SYS,
            rx.id,
            Version(rx.version),
            o,
            &why,
            date(2026, 11, 23),
            Some(date(2026, 11, 24)),
        )
        .await;
    assert!(matches!(early, Err(StoreError::Untimely(Untimely::BeforeServiceMet { .. }))), "{early:?}");
    let early = db
        .record_prescription_outcome(
            &a,
            SYS,
            rx.id,
            Version(rx.version),
            PrescriptionOutcome::Attending6Weeks,
            "",
            date(2026, 12, 14),
            None,
        )
        .await;
    assert!(matches!(early, Err(StoreError::Untimely(Untimely::BeforeSixWeeks { .. }))), "{early:?}");
    assert_eq!(db.prescription(&a, rx.id).await.unwrap(), rx);
    let started = db
        .record_prescription_outcome(
            &a,
            SYS,
            rx.id,
            Version(rx.version),
            o,
            &why,
            date(2026, 11, 23),
            Some(date(2026, 11, 23)),
        )
        .await
        .unwrap();
    assert_eq!(started.follow_up_due, Some(date(2026, 12, 15)));
    assert!(db.prescription_follow_ups_due(&a, None, date(2026, 11, 23)).await.unwrap().is_empty());
    let stale = db
        .record_prescription_outcome(
            &a,
            SYS,
            rx.id,
            Version(rx.version),
            PrescriptionOutcome::Attending6Weeks,
            "",
            date(2026, 12, 15),
            None,
        )
        .await;
    assert!(matches!(stale, Err(StoreError::Conflict)));
    let six = db
        .record_prescription_outcome(
            &a,
            SYS,
            rx.id,
            Version(started.version),
            PrescriptionOutcome::Attending6Weeks,
            "",
            date(2026, 12, 15),
            None,
        )
        .await
        .unwrap();
    assert_eq!((six.outcome, six.follow_up_due), (Some(PrescriptionOutcome::Attending6Weeks), None));
    assert_eq!(db.prescriptions_for_referral(&a, r.id).await.unwrap(), vec![six]);

    let need = UnmetNeedInput::parse(&UnmetNeedFields {
        need: "bereavement".into(),
        area: "LS8 2HH".into(),
        notes: "No group nearby".into(),
    })
    .unwrap();
    let u = db.record_unmet_need(&a, SYS, Some(r.id), &need).await.unwrap();
    let other = UnmetNeedInput::parse(&UnmetNeedFields {
        need: "housing".into(),
        area: "Seacroft".into(),
        notes: String::new(),
    })
    .unwrap();
    db.record_unmet_need(&a, SYS, None, &other).await.unwrap();
    let all = db.unmet_needs(&a, None, None, 10).await.unwrap();
    assert_eq!(all.iter().map(|u| u.area.as_str()).collect::<Vec<_>>(), ["Seacroft", "LS8"]);
    assert_eq!(db.unmet_needs(&a, Some(Need::Bereavement), None, 10).await.unwrap(), vec![u]);
}

/// A versioned change that matches no row is a `Conflict` when the record is there at
/// another version, and `NotFound` when it is not (or is another organisation's).
async fn stale_and_missing_are_told_apart(engine: Engine) {
    let t = TestDb::new(engine).await.expect("test database");
    let db = &t.db;
    let a = org(db, "a").await;
    let b = org(db, "b").await;
    let p = provider(db, &a, "Leeds Ramblers").await;
    let input = ProviderInput::parse(&ProviderFields {
        name: "Leeds Ramblers CIO".into(),
        kind: "voluntary".into(),
        description: "Local charity".into(),
        ..Default::default()
    })
    .unwrap();
    let stale = db.update_provider(&a, SYS, p.id, Version(p.version + 1), &input).await;
    assert!(matches!(stale, Err(StoreError::Conflict)), "{stale:?}");
    let other = db.update_provider(&b, SYS, p.id, Version(p.version), &input).await;
    assert!(matches!(other, Err(StoreError::NotFound)), "{other:?}");
    let missing = db.update_provider(&a, SYS, linkwell_domain::ProviderId::new(), Version(1), &input).await;
    assert!(matches!(missing, Err(StoreError::NotFound)), "{missing:?}");

    let s = db.create_service(&a, SYS, &parse(&listing(&p, "Walk and Talk")), date(2026, 11, 23)).await.unwrap();
    let pause = ServiceStatus::Paused { restart: None };
    let stale = db.set_service_status(&a, SYS, s.id, Version(s.version + 1), &pause, "").await;
    assert!(matches!(stale, Err(StoreError::Conflict)), "{stale:?}");
    let other = db.set_service_status(&b, SYS, s.id, Version(s.version), &pause, "").await;
    assert!(matches!(other, Err(StoreError::NotFound)), "{other:?}");
    let missing = db.set_service_status(&a, SYS, linkwell_domain::ServiceId::new(), Version(1), &pause, "").await;
    assert!(matches!(missing, Err(StoreError::NotFound)), "{missing:?}");
    // Nothing was changed or recorded by the refused attempts.
    assert_eq!(db.provider(&a, p.id).await.unwrap().version, p.version);
    assert_eq!(db.service(&a, s.id).await.unwrap().version, s.version);
    assert_eq!(db.service_history(&a, s.id).await.unwrap().len(), 1);
}

/// A listing of the team's own made a group: its settings and facilitators, and its
/// sessions from the schedule — kept past a change of day and time, the past untouched.
async fn a_group_keeps_its_sessions_with_its_schedule(engine: Engine) {
    use jiff::civil::{Weekday, time};
    use linkwell_domain::directory::{Recurrence, Schedule};
    use linkwell_domain::groups::sessions::{Occurrence, horizon_end, occurrences};
    use linkwell_domain::groups::{GroupFields, GroupSettings};
    use linkwell_store::groups::{GroupSessionStatus, SessionsRegenerated};

    let t = TestDb::new(engine).await.expect("test database");
    let db = &t.db;
    let a = org(db, "a").await;
    let b = org(db, "b").await;
    let team = db
        .create_provider(
            &a,
            SYS,
            &ProviderInput::parse(&ProviderFields {
                name: "Our team".into(),
                kind: "own".into(),
                description: "The social prescribing team".into(),
                ..Default::default()
            })
            .unwrap(),
        )
        .await
        .unwrap();
    let walk = db.create_service(&a, SYS, &parse(&listing(&team, "Walk and Talk")), date(2026, 11, 23)).await.unwrap();
    let fields = GroupFields {
        what_to_bring: "Water and a coat".into(),
        wet_weather: "St Edmund's hall".into(),
        ..Default::default()
    };
    let settings = GroupSettings::parse(&fields).unwrap();
    let group = db.create_group(&a, SYS, walk.id, &settings).await.unwrap();
    assert_eq!((group.version, group.settings.wet_weather.as_str()), (1, "St Edmund's hall"));
    let again = db.create_group(&a, SYS, walk.id, &settings).await;
    assert!(matches!(again, Err(StoreError::Duplicate { field: "service_id" })), "{again:?}");
    assert!(matches!(db.group(&b, walk.id).await, Err(StoreError::NotFound)));

    let open = GroupSettings { public_join: true, ..settings.clone() };
    let changed = db.update_group(&a, SYS, walk.id, Version(1), &open).await.unwrap();
    assert_eq!((changed.version, changed.settings.public_join), (2, true));
    assert!(matches!(db.update_group(&a, SYS, walk.id, Version(1), &open).await, Err(StoreError::Conflict)));
    assert!(matches!(db.update_group(&b, SYS, walk.id, Version(2), &open).await, Err(StoreError::NotFound)));
    assert_eq!(db.group(&a, walk.id).await.unwrap(), changed);

    let facilitator = {
        let new = linkwell_store::users::NewUser {
            email: linkwell_domain::identity::EmailAddress::parse("f@a.example").unwrap(),
            display_name: "Fran".into(),
            role: linkwell_domain::identity::Role::Facilitator,
            practice_id: None,
            password_hash: linkwell_domain::identity::PasswordHash("unused".into()),
        };
        db.create_user(&a, SYS, &new).await.unwrap()
    };
    db.set_group_facilitators(&a, SYS, walk.id, Version(2), &[facilitator.id, facilitator.id]).await.unwrap();
    assert_eq!(db.group_facilitators(&a, walk.id).await.unwrap(), [facilitator.id]);
    assert_eq!(db.groups_facilitated_by(&a, facilitator.id).await.unwrap(), [walk.id]);
    assert!(matches!(db.set_group_facilitators(&b, SYS, walk.id, Version(3), &[]).await, Err(StoreError::NotFound)));
    assert!(matches!(db.set_group_facilitators(&a, SYS, walk.id, Version(2), &[]).await, Err(StoreError::Conflict)));
    db.set_group_facilitators(&a, SYS, walk.id, Version(3), &[]).await.unwrap();
    assert!(db.groups_facilitated_by(&a, facilitator.id).await.unwrap().is_empty());

    // Tuesdays 10:00 to 11:30 from 1 December: fourteen sessions to the horizon.
    let at = |d, h| Occurrence::on(d, time(h, 0, 0, 0), time(h, 0, 0, 0)).unwrap().starts_at;
    let first = date(2026, 12, 1);
    let tuesdays = &walk.schedules[0].schedule;
    let planned = occurrences(tuesdays, first, horizon_end(first), &[]);
    let made = db.regenerate_group_sessions(&a, SYS, walk.id, first, &planned, at(first, 8)).await.unwrap();
    assert_eq!(made, SessionsRegenerated { added: 14, retimed: 0, removed: 0 });
    let held = db.group_sessions(&a, walk.id, first, date(2027, 12, 31)).await.unwrap();
    assert_eq!(held.len(), 14);
    assert_eq!((held[0].on_date, held[13].on_date), (first, date(2027, 3, 2)));
    assert!(held.iter().all(|s| s.status == GroupSessionStatus::Scheduled));
    assert_eq!(held[0].starts_at, planned[0].starts_at.as_millisecond());
    // Again, nothing to do.
    let same = db.regenerate_group_sessions(&a, SYS, walk.id, first, &planned, at(first, 8)).await.unwrap();
    assert_eq!(same, SessionsRegenerated::default());

    // On 15 December at noon the group moves to Thursdays at 14:00: that morning's
    // session has happened; the later Tuesdays go, the Thursdays to the horizon come.
    let today = date(2026, 12, 15);
    let thursdays = Schedule::new(
        Recurrence::weekly(Weekday::Thursday),
        first,
        time(14, 0, 0, 0),
        time(15, 0, 0, 0),
        None,
        None,
        String::new(),
    )
    .unwrap();
    let planned = occurrences(&thursdays, today, horizon_end(today), &[]);
    let moved = db.regenerate_group_sessions(&a, SYS, walk.id, today, &planned, at(today, 12)).await.unwrap();
    assert_eq!(moved, SessionsRegenerated { added: 13, retimed: 0, removed: 11 });
    let held = db.group_sessions(&a, walk.id, first, date(2027, 12, 31)).await.unwrap();
    let days: Vec<Weekday> = held.iter().map(|s| s.on_date.weekday()).collect();
    assert_eq!(days[..3], [Weekday::Tuesday; 3], "1, 8 and 15 December stay");
    assert!(days[3..].iter().all(|d| *d == Weekday::Thursday), "{days:?}");
    assert_eq!(held.len(), 16);
    // Another organisation has none of them, and cannot regenerate them.
    assert!(db.group_sessions(&b, walk.id, first, date(2027, 12, 31)).await.unwrap().is_empty());
    let theirs = db.regenerate_group_sessions(&b, SYS, walk.id, today, &planned, at(today, 12)).await;
    assert!(matches!(theirs, Err(StoreError::NotFound)), "{theirs:?}");
}
