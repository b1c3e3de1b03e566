//! Storage behaviour, every test on both engines: `<name>::sqlite` and `<name>::postgres`.

use linkwell_domain::audit::{AuditAction, AuditEvent, ChainBreak};
use linkwell_domain::identity::{EmailAddress, PasswordHash, Role, Secret};
use linkwell_domain::organisations::PracticeInput;
use linkwell_domain::{PracticeId, Version};
use linkwell_store::audit::{AuditFilter, ChainReport};
use linkwell_store::testing::TestDb;
use linkwell_store::users::{NewUser, SignInAttempt};
use linkwell_store::{Actor, Db, Engine, OrgScope, StoreError, both_engines};

const SYS: &Actor = &Actor { user_id: None, request_id: None };

both_engines!(
    practices_are_scoped_versioned_and_unique,
    users_lock_after_repeated_failures,
    password_reset_links_work_once,
    api_tokens_resolve_until_revoked,
    audit_chain_detects_tampering,
    audit_appends_concurrently_without_gaps,
    a_transactions_audit_entries_are_written_at_its_commit,
    transactions_appending_for_two_organisations_in_either_order_all_commit,
    audit_filters_and_pages,
    pagination_walks_every_row_once,
    sessions_round_trip,
    every_change_writes_its_audit_entry,
);

async fn org(db: &Db, slug: &str) -> OrgScope {
    OrgScope::new(db.create_organisation(slug, "Riverside PCN", false).await.unwrap().id)
}

fn practice(name: &str, ods: &str) -> PracticeInput {
    PracticeInput::parse(name, ods).unwrap()
}

fn new_user(email: &str, role: Role) -> NewUser {
    NewUser {
        email: EmailAddress::parse(email).unwrap(),
        display_name: "Sam Worker".into(),
        role,
        practice_id: None,
        password_hash: PasswordHash("$argon2id$placeholder-not-used-for-verification".into()),
    }
}

async fn practices_are_scoped_versioned_and_unique(engine: Engine) {
    let t = TestDb::new(engine).await.expect("test database");
    let db = &t.db;
    let a = org(db, "a").await;
    let b = org(db, "b").await;
    let p = db.create_practice(&a, SYS, &practice("Riverside Surgery", "A81001")).await.unwrap();
    assert_eq!(p.version, 1);

    // Same ODS code twice in one organisation is refused; in another it is fine.
    let dup = db.create_practice(&a, SYS, &practice("Other", "A81001")).await;
    assert!(matches!(dup, Err(StoreError::Duplicate { field: "ods_code" })), "{dup:?}");
    db.create_practice(&b, SYS, &practice("Riverside Surgery", "A81001")).await.unwrap();

    // Another organisation's practice is simply not found.
    assert!(matches!(db.practice(&b, p.id).await, Err(StoreError::NotFound)));
    assert!(matches!(
        db.update_practice(&b, SYS, p.id, Version(1), &practice("Hijack", "A81002")).await,
        Err(StoreError::NotFound)
    ));

    // Optimistic concurrency: the second writer working from version 1 gets a conflict.
    let updated =
        db.update_practice(&a, SYS, p.id, Version(1), &practice("Riverside Medical Centre", "A81001")).await.unwrap();
    assert_eq!((updated.version, updated.name.as_str()), (2, "Riverside Medical Centre"));
    let stale = db.update_practice(&a, SYS, p.id, Version(1), &practice("Lost update", "A81001")).await;
    assert!(matches!(stale, Err(StoreError::Conflict)), "{stale:?}");
    assert_eq!(db.practice(&a, p.id).await.unwrap().name, "Riverside Medical Centre");
    assert!(matches!(db.practice(&a, PracticeId::new()).await, Err(StoreError::NotFound)));

    // Sites and rooms.
    let site =
        db.create_site(&a, SYS, Some(p.id), "Riverside Surgery", "1 High Street", Some("LS1 4AP")).await.unwrap();
    db.create_room(&a, SYS, site.id, "Room 2").await.unwrap();
    let dup_room = db.create_room(&a, SYS, site.id, "Room 2").await;
    assert!(matches!(dup_room, Err(StoreError::Duplicate { .. })));
    let sites = db.sites_with_rooms(&a).await.unwrap();
    assert_eq!(sites.len(), 1);
    assert_eq!(sites[0].1.len(), 1);
    assert!(db.sites_with_rooms(&b).await.unwrap().is_empty());
}

async fn users_lock_after_repeated_failures(engine: Engine) {
    let t = TestDb::new(engine).await.expect("test database");
    let db = &t.db;
    // (Every mutation writes its audit entry in the same transaction: see the counts below.)
    let a = org(db, "a").await;
    let u = db.create_user(&a, SYS, &new_user("sam@example.org", Role::LinkWorker)).await.unwrap();
    let dup = db.create_user(&a, SYS, &new_user("SAM@example.org", Role::Admin)).await;
    assert!(matches!(dup, Err(StoreError::Duplicate { field: "email" })), "{dup:?}");

    let (found, _) = db.user_for_sign_in(&EmailAddress::parse("sam@example.org").unwrap()).await.unwrap();
    assert_eq!(found.id, u.id);
    // Attempts are counted before the password is checked; the fifth is the last allowed.
    for remaining in (1..=4).rev() {
        assert_eq!(
            db.count_sign_in_attempt(&a, u.id, "203.0.113.9").await.unwrap(),
            SignInAttempt::Counted { remaining }
        );
    }
    assert_eq!(db.count_sign_in_attempt(&a, u.id, "203.0.113.9").await.unwrap(), SignInAttempt::Last);
    assert_eq!(db.count_sign_in_attempt(&a, u.id, "203.0.113.9").await.unwrap(), SignInAttempt::Locked);
    // Locked for that client only: someone guessing elsewhere does not lock the owner out.
    assert!(db.sign_in_locked(&a, u.id, "203.0.113.9").await.unwrap());
    assert!(!db.sign_in_locked(&a, u.id, "198.51.100.7").await.unwrap());
    assert!(db.sign_in_locked_anywhere(&a, u.id).await.unwrap());
    db.record_successful_sign_in(&a, u.id, "203.0.113.9").await.unwrap();
    assert!(!db.sign_in_locked_anywhere(&a, u.id).await.unwrap());
    // Attempts sent at once are all counted: of twenty, five are let through.
    let tries = futures_all(db, &a, u.id, "192.0.2.9").await;
    assert_eq!(tries.iter().filter(|t| **t != SignInAttempt::Locked).count(), 5);
    // A lock that has expired starts the count again.
    db.expire_sign_in_locks_for_tests(&a, u.id).await;
    assert!(!db.sign_in_locked(&a, u.id, "192.0.2.9").await.unwrap());
    assert_eq!(db.count_sign_in_attempt(&a, u.id, "192.0.2.9").await.unwrap(), SignInAttempt::Counted { remaining: 4 });
    // A new password clears every lock.
    for _ in 0..6 {
        db.count_sign_in_attempt(&a, u.id, "192.0.2.2").await.unwrap();
    }
    let hash = linkwell_domain::identity::PasswordHash("new".into());
    let changed = db.set_password(&a, SYS, u.id, &hash).await.unwrap();
    assert!(!db.sign_in_locked_anywhere(&a, u.id).await.unwrap());
    assert!(changed.credentials_changed_at > 0, "sessions from before the change end");

    // Disabling is versioned like any other edit.
    let disabled = db.set_user_disabled(&a, SYS, u.id, Version(changed.version), true).await.unwrap();
    assert!(disabled.disabled);
    assert!(matches!(
        db.set_user_disabled(&a, SYS, u.id, Version(changed.version), false).await,
        Err(StoreError::Conflict)
    ));
}

async fn password_reset_links_work_once(engine: Engine) {
    let t = TestDb::new(engine).await.expect("test database");
    let db = &t.db;
    let a = org(db, "a").await;
    let u = db.create_user(&a, SYS, &new_user("sam@example.org", Role::Coordinator)).await.unwrap();
    let first = Secret::generate("rs_");
    let second = Secret::generate("rs_");
    db.create_password_reset(&a, SYS, u.id, &first.hash(), 60_000).await.unwrap();
    db.create_password_reset(&a, SYS, u.id, &second.hash(), 60_000).await.unwrap();
    // Issuing a new link retires the old one.
    assert!(matches!(db.password_reset_user(&first.hash()).await, Err(StoreError::NotFound)));
    assert_eq!(db.password_reset_user(&second.hash()).await.unwrap().id, u.id);
    let new_hash = PasswordHash("$argon2id$new".into());
    db.complete_password_reset(&second.hash(), &new_hash).await.unwrap();
    let (_, stored) = db.user_for_sign_in(&EmailAddress::parse("sam@example.org").unwrap()).await.unwrap();
    assert_eq!(stored, new_hash);
    assert!(matches!(db.complete_password_reset(&second.hash(), &new_hash).await, Err(StoreError::NotFound)));

    // An expired link does not work.
    let expired = Secret::generate("rs_");
    db.create_password_reset(&a, SYS, u.id, &expired.hash(), -1).await.unwrap();
    assert!(matches!(db.password_reset_user(&expired.hash()).await, Err(StoreError::NotFound)));
}

async fn api_tokens_resolve_until_revoked(engine: Engine) {
    let t = TestDb::new(engine).await.expect("test database");
    let db = &t.db;
    let a = org(db, "a").await;
    let u = db.create_user(&a, SYS, &new_user("api@example.org", Role::Admin)).await.unwrap();
    let secret = Secret::generate("lw_");
    let t = db.create_api_token(&a, SYS, u.id, "GP system", &secret.hash()).await.unwrap();
    assert_eq!(db.user_for_api_token(&secret.hash()).await.unwrap().id, u.id);
    assert!(db.api_tokens(&a).await.unwrap()[0].last_used_at.is_some());
    db.revoke_api_token(&a, SYS, t.id).await.unwrap();
    assert!(matches!(db.user_for_api_token(&secret.hash()).await, Err(StoreError::NotFound)));
    assert!(matches!(db.revoke_api_token(&a, SYS, t.id).await, Err(StoreError::NotFound)));

    // A disabled user's tokens stop working.
    let secret2 = Secret::generate("lw_");
    db.create_api_token(&a, SYS, u.id, "second", &secret2.hash()).await.unwrap();
    db.set_user_disabled(&a, SYS, u.id, Version(1), true).await.unwrap();
    assert!(matches!(db.user_for_api_token(&secret2.hash()).await, Err(StoreError::NotFound)));
}

fn event(action: AuditAction, entity: &str) -> AuditEvent {
    AuditEvent {
        actor_user_id: Some("user-1".into()),
        action,
        entity_type: "user".into(),
        entity_id: Some(entity.into()),
        request_id: Some("req-1".into()),
        detail: None,
    }
}

async fn exec(db: &Db, sql: &'static str, seq: i64) {
    match db {
        Db::Sqlite(linkwell_store::SqliteDb { writes: p, .. }) => {
            sqlx::query(sql).bind(seq).execute(p).await.map(|_| ())
        }
        Db::Postgres(p) => sqlx::query(sql).bind(seq).execute(p).await.map(|_| ()),
    }
    .unwrap();
}

async fn audit_chain_detects_tampering(engine: Engine) {
    let t = TestDb::new(engine).await.expect("test database");
    let db = &t.db;
    // Each organisation's chain starts with its own `organisation_created` entry (seq 1).
    let a = org(db, "a").await;
    let b = org(db, "b").await;
    for i in 0..5 {
        db.audit(&a, &event(AuditAction::SignIn, &format!("u{i}"))).await.unwrap();
    }
    db.audit(&b, &event(AuditAction::SignIn, "x")).await.unwrap();
    let intact = |entries| ChainReport::Intact { entries };
    assert_eq!(db.verify_audit_chain(&a).await.unwrap(), intact(6));
    assert_eq!(db.verify_audit_chain(&b).await.unwrap(), intact(2));

    // Editing a row behind the application's back breaks the chain at that row (u2 is seq 4).
    exec(db, "UPDATE audit_log SET action = 'user_created' WHERE seq = $1 AND entity_id = 'u2'", 4).await;
    assert_eq!(db.verify_audit_chain(&a).await.unwrap(), ChainReport::Broken(ChainBreak::Edited { seq: 4 }));
    exec(db, "UPDATE audit_log SET action = 'sign_in' WHERE seq = $1 AND entity_id = 'u2'", 4).await;
    assert_eq!(db.verify_audit_chain(&a).await.unwrap(), intact(6));

    // Deleting the last row, or one in the middle, is found too.
    exec(db, "DELETE FROM audit_log WHERE seq = $1 AND entity_id = 'u4'", 6).await;
    assert_eq!(db.verify_audit_chain(&a).await.unwrap(), ChainReport::Truncated { entries: 5, head_seq: 6 });
    exec(db, "DELETE FROM audit_log WHERE seq = $1 AND entity_id = 'u1'", 3).await;
    assert_eq!(
        db.verify_audit_chain(&a).await.unwrap(),
        ChainReport::Broken(ChainBreak::Missing { seq: 4, expected_seq: 3 })
    );
    // The other organisation's chain is untouched.
    assert_eq!(db.verify_audit_chain(&b).await.unwrap(), intact(2));
}

async fn audit_appends_concurrently_without_gaps(engine: Engine) {
    let t = TestDb::new(engine).await.expect("test database");
    let db = &t.db;
    let a = org(db, "a").await;
    let tasks: Vec<_> = (0..24)
        .map(|i| {
            let db = db.clone();
            tokio::spawn(async move {
                db.audit(&a, &event(AuditAction::RecordViewed, &format!("p{i}"))).await.map(|e| e.seq)
            })
        })
        .collect();
    let mut seqs = Vec::new();
    for t in tasks {
        seqs.push(t.await.unwrap().unwrap());
    }
    seqs.sort();
    assert_eq!(seqs, (2..=25).collect::<Vec<_>>());
    assert_eq!(db.verify_audit_chain(&a).await.unwrap(), ChainReport::Intact { entries: 25 });
}

async fn a_transactions_audit_entries_are_written_at_its_commit(engine: Engine) {
    use linkwell_store::audit::append_in;
    let t = TestDb::new(engine).await.expect("test database");
    let db = &t.db;
    let (a, b) = (org(db, "a").await, org(db, "b").await);
    let mut tx = db.begin().await.unwrap();
    for (scope, who) in [(&a, "a1"), (&a, "a2"), (&b, "b1"), (&a, "a3")] {
        append_in(&mut tx, scope, &event(AuditAction::SignIn, who));
    }
    // Recorded, not yet written: the heads have not moved.
    assert_eq!(db.audit_head(&a).await.unwrap().0, 1);
    tx.commit().await.unwrap();
    let page = db.audit_page(&a, &AuditFilter::default(), None, 10).await.unwrap();
    let written: Vec<(i64, Option<String>)> = page.items.into_iter().map(|e| (e.seq, e.entity_id)).collect();
    assert_eq!(
        written,
        vec![
            (4, Some("a3".into())),
            (3, Some("a2".into())),
            (2, Some("a1".into())),
            (1, Some(a.organisation_id().to_string()))
        ]
    );
    assert_eq!(db.verify_audit_chain(&a).await.unwrap(), ChainReport::Intact { entries: 4 });
    assert_eq!(db.verify_audit_chain(&b).await.unwrap(), ChainReport::Intact { entries: 2 });

    // A transaction that does not commit writes none of its entries.
    let mut tx = db.begin().await.unwrap();
    append_in(&mut tx, &a, &event(AuditAction::SignIn, "never"));
    drop(tx);
    assert_eq!(db.audit_head(&a).await.unwrap().0, 4);
    assert_eq!(db.verify_audit_chain(&a).await.unwrap(), ChainReport::Intact { entries: 4 });
}

/// Each commit waits its turn at every organisation it appends for; taken in a fixed order,
/// transactions naming the same two organisations in opposite orders cannot wait for each
/// other for ever.
async fn transactions_appending_for_two_organisations_in_either_order_all_commit(engine: Engine) {
    use linkwell_store::audit::append_in;
    let t = TestDb::new(engine).await.expect("test database");
    let db = &t.db;
    let (a, b) = (org(db, "a").await, org(db, "b").await);
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let db = db.clone();
            let (first, second) = if i % 2 == 0 { (a, b) } else { (b, a) };
            tokio::spawn(async move {
                let mut tx = db.begin().await?;
                append_in(&mut tx, &first, &event(AuditAction::SignIn, &format!("first{i}")));
                append_in(&mut tx, &second, &event(AuditAction::SignIn, &format!("second{i}")));
                tx.commit().await
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(db.verify_audit_chain(&a).await.unwrap(), ChainReport::Intact { entries: 17 });
    assert_eq!(db.verify_audit_chain(&b).await.unwrap(), ChainReport::Intact { entries: 17 });
}

async fn audit_filters_and_pages(engine: Engine) {
    let t = TestDb::new(engine).await.expect("test database");
    let db = &t.db;
    let a = org(db, "a").await;
    for i in 0..7 {
        let action = if i % 2 == 0 { AuditAction::SignIn } else { AuditAction::SignInFailed };
        db.audit(&a, &event(action, &format!("u{i}"))).await.unwrap();
    }
    let filter = AuditFilter { action: Some("sign_in".into()), ..Default::default() };
    let first = db.audit_page(&a, &filter, None, 3).await.unwrap();
    assert_eq!(first.items.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![8, 6, 4]);
    let cursor = first.next_cursor.unwrap().parse().unwrap();
    let second = db.audit_page(&a, &filter, Some(cursor), 3).await.unwrap();
    assert_eq!(second.items.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![2]);
    assert_eq!(second.next_cursor, None);
    let by_entity = AuditFilter { entity_id: Some("u3".into()), ..Default::default() };
    assert_eq!(db.audit_page(&a, &by_entity, None, 10).await.unwrap().items.len(), 1);
}

async fn pagination_walks_every_row_once(engine: Engine) {
    let t = TestDb::new(engine).await.expect("test database");
    let db = &t.db;
    let a = org(db, "a").await;
    for i in 0..11 {
        db.create_practice(&a, SYS, &practice(&format!("Practice {i}"), &format!("B{:05}", i))).await.unwrap();
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = db.practices_page(&a, cursor.as_deref(), 4).await.unwrap();
        assert!(page.items.len() <= 4);
        seen.extend(page.items.iter().map(|p| p.ods_code.clone()));
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    let expected: Vec<String> = (0..11).map(|i| format!("B{:05}", i)).collect();
    assert_eq!(seen, expected);
}

async fn sessions_round_trip(engine: Engine) {
    let t = TestDb::new(engine).await.expect("test database");
    let db = &t.db;
    use tower_sessions::SessionStore;
    use tower_sessions::session::{Id, Record};
    let store = linkwell_store::web_sessions::DbSessionStore::new(db.clone());
    let mut rec = Record {
        id: Id::default(),
        data: [("user".to_string(), serde_json::json!("abc"))].into_iter().collect(),
        expiry_date: time::OffsetDateTime::now_utc() + time::Duration::minutes(30),
    };
    store.create(&mut rec).await.unwrap();
    let loaded = store.load(&rec.id).await.unwrap().unwrap();
    assert_eq!(loaded.data, rec.data);
    store.delete(&rec.id).await.unwrap();
    assert!(store.load(&rec.id).await.unwrap().is_none());

    let mut expired = Record {
        id: Id::default(),
        data: Default::default(),
        expiry_date: time::OffsetDateTime::now_utc() - time::Duration::minutes(1),
    };
    store.create(&mut expired).await.unwrap();
    assert!(store.load(&expired.id).await.unwrap().is_none());
    assert_eq!(store.delete_expired().await.unwrap(), 1);
}

#[tokio::test]
async fn both_schemas_have_the_same_tables_columns_and_nullability() {
    let s = TestDb::new(Engine::Sqlite).await.unwrap();
    let p = TestDb::new(Engine::Postgres).await.unwrap();
    let sqlite_cols: Vec<(String, String, bool)> = match &s.db {
        Db::Sqlite(linkwell_store::SqliteDb { writes: pool, .. }) => sqlx::query_as(
            "SELECT m.name, c.name, c.\"notnull\" = 0 FROM sqlite_master m JOIN pragma_table_info(m.name) c WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, c.name",
        )
        .fetch_all(pool)
        .await
        .unwrap(),
        _ => unreachable!(),
    };
    let pg_cols: Vec<(String, String, bool)> = match &p.db {
        Db::Postgres(pool) => sqlx::query_as(
            "SELECT table_name::text, column_name::text, is_nullable = 'YES' FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name COLLATE \"C\", column_name COLLATE \"C\"",
        )
        .fetch_all(pool)
        .await
        .unwrap(),
        _ => unreachable!(),
    };
    assert!(sqlite_cols.len() > 40);
    assert_eq!(sqlite_cols, pg_cols);
}

async fn every_change_writes_its_audit_entry(engine: Engine) {
    let t = TestDb::new(engine).await.expect("test database");
    let db = &t.db;
    let a = org(db, "a").await;
    let actor = Actor::user("admin-1", Some("req-9".into()));
    let p = db.create_practice(&a, &actor, &practice("Riverside Surgery", "A81001")).await.unwrap();
    db.update_practice(&a, &actor, p.id, Version(1), &practice("Riverside MC", "A81001")).await.unwrap();
    // A refused change writes nothing.
    assert!(db.update_practice(&a, &actor, p.id, Version(1), &practice("Stale", "A81001")).await.is_err());
    let u = db.create_user(&a, &actor, &new_user("sam@example.org", Role::LinkWorker)).await.unwrap();
    db.set_user_disabled(&a, &actor, u.id, Version(1), true).await.unwrap();
    let page = db.audit_page(&a, &AuditFilter::default(), None, 50).await.unwrap();
    let actions: Vec<_> = page.items.iter().rev().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        ["organisation_created", "practice_created", "practice_updated", "user_created", "user_disabled"]
    );
    let last = &page.items[0];
    assert_eq!(last.actor_user_id.as_deref(), Some("admin-1"));
    assert_eq!(last.request_id.as_deref(), Some("req-9"));
    assert_eq!(last.entity_id, Some(u.id.to_string()));
    // No personal data in the trail: the email and name appear nowhere.
    for e in &page.items {
        let text = format!("{e:?}");
        assert!(!text.contains("sam@example.org") && !text.contains("Sam Worker"), "{text}");
    }
}

/// Twenty attempts for one account and client, all at once.
async fn futures_all(db: &Db, scope: &OrgScope, user: linkwell_domain::UserId, client: &str) -> Vec<SignInAttempt> {
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let (db, scope, client) = (db.clone(), *scope, client.to_owned());
        tasks.spawn(async move { db.count_sign_in_attempt(&scope, user, &client).await.unwrap() });
    }
    tasks.join_all().await
}
