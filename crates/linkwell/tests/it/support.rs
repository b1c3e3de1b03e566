//! The test harness: a running app, a seeded organisation and signed-in clients.

use std::collections::HashMap;
use std::sync::LazyLock;

use linkwell_domain::identity::{EmailAddress, PasswordHash, Role, Secret, hash_password};
use linkwell_domain::ids::{ReferralId, SessionId};
use linkwell_domain::organisations::PracticeInput;
use linkwell_domain::people::{PersonFields, PersonInput};
use linkwell_domain::plans::{Plan, PlanFields};
use linkwell_domain::referrals::{DischargeReason, ReferralFields, ReferralInput};
use linkwell_domain::sessions::{ProgrammeRules, SessionKind, SessionMode};
use linkwell_domain::{PersonId, Version};
use linkwell_store::practices::{Practice, Site};
use linkwell_store::programmes::Programme;
use linkwell_store::referrals::{Change, NewReferral, Referral};
use linkwell_store::sessions::NewSession;
use linkwell_store::testing::TestDb;
use linkwell_store::users::{NewUser, User};
use linkwell_store::{Actor, Db, Engine, OrgScope};
use linkwell_web::{AppState, Config};
use reqwest::redirect::Policy;

pub const PASSWORD: &str = "orange kettle maple";

static HASH: LazyLock<PasswordHash> = LazyLock::new(|| hash_password(PASSWORD).expect("hash"));

/// An organisation with a practice, a site and one user in every role, a programme, and
/// one case in progress.
pub struct Org {
    pub scope: OrgScope,
    pub practice: Practice,
    pub site: Site,
    pub room: linkwell_store::practices::Room,
    pub tool: linkwell_store::plans::Tool,
    /// A provider in the directory and its one listing, Walk and Talk on Tuesdays.
    pub provider: linkwell_store::directory::Provider,
    pub service: linkwell_store::directory::Service,
    /// The case's person connected to Walk and Talk a week ago (signposted).
    pub prescription: linkwell_domain::PrescriptionId,
    pub users: HashMap<Role, User>,
    pub programme: Programme,
    pub case: Case,
}

/// A person referred by the practice's referrer, accepted for the org's link worker and
/// active, with a telephone session booked and a plan; and a second referral, discharged.
pub struct Case {
    pub person: PersonId,
    pub referral: ReferralId,
    pub session: SessionId,
    pub discharged: ReferralId,
    /// A case note on `referral`.
    pub note: linkwell_domain::ids::CaseNoteId,
}

/// The next Monday (not today) at `hour`:00 on the London clock: inside default working hours.
pub fn next_monday_at(hour: i8) -> jiff::Timestamp {
    monday_at(hour, |d| d.tomorrow())
}

/// The London date of `t`, as the API writes dates (ISO 8601).
pub fn london_date(t: jiff::Timestamp) -> String {
    t.to_zoned(linkwell_domain::time::london()).date().to_string()
}

/// The Monday before today, at `hour` on the London clock: a session there has happened,
/// so its outcome can be recorded.
pub fn last_monday_at(hour: i8) -> jiff::Timestamp {
    monday_at(hour, |d| d.yesterday())
}

fn monday_at(hour: i8, step: impl Fn(jiff::civil::Date) -> Result<jiff::civil::Date, jiff::Error>) -> jiff::Timestamp {
    let mut d = jiff::Zoned::now().with_time_zone(linkwell_domain::time::london()).date();
    loop {
        d = step(d).unwrap();
        if d.weekday() == jiff::civil::Weekday::Monday {
            break;
        }
    }
    linkwell_domain::sessions::london_instant(d, jiff::civil::time(hour, 0, 0, 0), None).unwrap()
}

pub fn person_input(given: &str, family: &str) -> PersonInput {
    let f = PersonFields {
        given_name: given.into(),
        family_name: family.into(),
        date_of_birth: linkwell_domain::time::DateEntry::boxes("27", "3", "1951"),
        sex: "female".into(),
        postcode: "LS1 4AP".into(),
        phone: "07700 900982".into(),
        preferred_channel: "phone".into(),
        consent_contact: true,
        ..Default::default()
    };
    PersonInput::parse(&f, false, jiff::civil::date(2026, 11, 22)).unwrap()
}

pub fn referral_input() -> ReferralInput {
    ReferralInput::parse(&ReferralFields {
        source: "gp".into(),
        needs: vec!["loneliness".into(), "physical_activity".into()],
        urgency: "routine".into(),
        free_text: "Lives alone since her husband died; keen to get out more.".into(),
        consent_confirmed: true,
        ..Default::default()
    })
    .unwrap()
}

/// How far a referral made by [`Org::referral`] has gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Waiting for triage.
    Received,
    /// Accepted and assigned to the organisation's link worker.
    Accepted,
    /// Assigned, and the person has been reached.
    Active,
    /// Reached, then discharged with goals met.
    Discharged,
}

/// A referral for `person` from the organisation's referrer at its practice, taken to `stage`.
async fn refer(
    db: &Db,
    scope: &OrgScope,
    practice: &Practice,
    users: &HashMap<Role, User>,
    programme: &Programme,
    person: PersonId,
    stage: Stage,
) -> Referral {
    let actor = Actor::system();
    let input = referral_input();
    let new = NewReferral {
        referrer: Some(users[&Role::Referrer].id),
        practice: Some(practice.id),
        ..NewReferral::new(person, programme.id, &input)
    };
    let mut r = db.create_referral(scope, &actor, &new).await.unwrap();
    let worker = users[&Role::LinkWorker].id;
    let discharge = Change::Discharge { reason: DischargeReason::GoalsMet, summary: "Walks every week.".into() };
    let steps = match stage {
        Stage::Received => vec![],
        Stage::Accepted => vec![Change::Accept { worker }],
        Stage::Active => vec![Change::Accept { worker }, Change::ContactMade],
        Stage::Discharged => vec![Change::Accept { worker }, Change::ContactMade, discharge],
    };
    for change in steps {
        r = db.change_referral(scope, &actor, r.id, Version(r.version), change).await.unwrap();
    }
    r
}

async fn seed_case(
    db: &Db,
    scope: &OrgScope,
    practice: &Practice,
    users: &HashMap<Role, User>,
    programme: &Programme,
) -> Case {
    let actor = Actor::system();
    let worker = users[&Role::LinkWorker].id;
    let mut input = person_input("Margaret", "Oakes");
    input.practice_id = Some(practice.id);
    let person = db.create_person(scope, &actor, &input).await.unwrap();
    let active = refer(db, scope, practice, users, programme, person.id, Stage::Active).await;
    let session = db
        .book_session(
            scope,
            &actor,
            &NewSession {
                referral_id: active.id,
                worker_id: worker,
                kind: SessionKind::Initial,
                mode: SessionMode::Telephone,
                room_id: None,
                starts: next_monday_at(10),
                reminder: None,
            },
        )
        .await
        .unwrap();
    let plan = Plan::parse(&PlanFields { what_matters: "Getting out again".into(), ..Default::default() }).unwrap();
    db.save_plan(scope, &actor, active.id, 0, &plan).await.unwrap();
    let done = refer(db, scope, practice, users, programme, person.id, Stage::Discharged).await;
    let note = linkwell_domain::referrals::notes::NoteInput {
        date: jiff::Zoned::now().with_time_zone(linkwell_domain::time::london()).date(),
        kind: linkwell_domain::referrals::notes::NoteKind::Call,
        text: "Called to say hello; she is looking forward to the first session.".into(),
        safeguarding: false,
    };
    let note = db.add_case_note(scope, &actor, active.id, &note).await.unwrap().id;
    Case { person: person.id, referral: active.id, session: session.id, discharged: done.id, note }
}

impl Org {
    pub fn user(&self, role: Role) -> &User {
        &self.users[&role]
    }

    /// A new person at the organisation's practice, in one line:
    /// `let albert = app.a.person(&app.db, "Albert", "Njoku").await;`
    pub async fn person(&self, db: &Db, given: &str, family: &str) -> PersonId {
        let mut input = person_input(given, family);
        input.practice_id = Some(self.practice.id);
        db.create_person(&self.scope, &Actor::system(), &input).await.unwrap().id
    }

    /// A referral for `person`, from the organisation's referrer, taken to `stage` (from
    /// accepted on, the organisation's link worker has it), in one line:
    /// `let case = app.a.referral(&app.db, albert, Stage::Active).await;`
    pub async fn referral(&self, db: &Db, person: PersonId, stage: Stage) -> ReferralId {
        refer(db, &self.scope, &self.practice, &self.users, &self.programme, person, stage).await.id
    }

    pub fn email(&self, role: Role) -> String {
        self.users[&role].email.clone()
    }
}

pub async fn seed_org(db: &Db, slug: &str) -> Org {
    let org = db.create_organisation(slug, &format!("{slug} PCN"), false).await.unwrap();
    let scope = OrgScope::new(org.id);
    let actor = Actor::system();
    let practice = db
        .create_practice(&scope, &actor, &PracticeInput::parse("Riverside Surgery", "A81001").unwrap())
        .await
        .unwrap();
    let site = db.create_site(&scope, &actor, Some(practice.id), "Riverside Surgery", "1 High St", None).await.unwrap();
    let room = db.create_room(&scope, &actor, site.id, "Wellbeing room").await.unwrap();
    let mut users = HashMap::new();
    for role in Role::ALL {
        let new = NewUser {
            email: EmailAddress::parse(&format!("{}@{slug}.example", role.as_str().replace('_', "-"))).unwrap(),
            display_name: format!("{} of {slug}", role.label()),
            role,
            practice_id: role.needs_practice().then_some(practice.id),
            password_hash: HASH.clone(),
        };
        users.insert(role, db.create_user(&scope, &actor, &new).await.unwrap());
    }
    let programme = db
        .create_programme(&scope, &actor, "Primary Care Wellbeing Project", ProgrammeRules::default(), "Riverside ICB")
        .await
        .unwrap();
    let tool = db.add_tool(&scope, &actor, "Five ways to wellbeing").await.unwrap();
    let case = seed_case(db, &scope, &practice, &users, &programme).await;
    let (provider, service) = seed_listing(db, &scope).await;
    let week_ago = jiff::Zoned::now()
        .with_time_zone(linkwell_domain::time::london())
        .date()
        .checked_sub(jiff::Span::new().days(7))
        .unwrap();
    let rx = linkwell_domain::directory::PrescriptionInput {
        service_id: service.id,
        date: week_ago,
        kind: linkwell_domain::directory::PrescriptionKind::Signposted,
        notes: String::new(),
    };
    let prescription =
        db.record_prescription(&scope, &Actor::system(), case.referral, case.person, &rx).await.unwrap().id;
    Org { scope, practice, site, room, tool, provider, service, prescription, users, programme, case }
}

pub struct TestApp {
    pub base: String,
    pub db: Db,
    pub a: Org,
    pub b: Org,
    _db: TestDb,
}

/// Start the app on a random port with organisations `a` and `b` seeded.
pub async fn spawn(engine: Engine) -> TestApp {
    // A generous per-client sign-in allowance: tests sign in many times from one address.
    spawn_with(
        engine,
        Config {
            sign_in_burst: 1000,
            sign_in_replenish_seconds: 1,
            // Listings written straight to the database reach search quickly.
            search_every: std::time::Duration::from_millis(100),
            ..Config::default()
        },
    )
    .await
}

pub async fn spawn_with(engine: Engine, config: Config) -> TestApp {
    let t = TestDb::new(engine).await.expect("test database");
    let db = t.db.clone();
    let a = seed_org(&db, "a").await;
    let b = seed_org(&db, "b").await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let state = AppState::new(db.clone(), config);
    tokio::spawn(linkwell_web::serve(state, listener));
    TestApp { base, db, a, b, _db: t }
}

impl TestApp {
    /// The database's URL, for running the command line against it.
    pub fn db_url(&self) -> &str {
        &self._db.url
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A browser-like client: keeps cookies, does not follow redirects.
    pub fn client(&self) -> Client {
        Client {
            app_base: self.base.clone(),
            http: reqwest::Client::builder().cookie_store(true).redirect(Policy::none()).build().unwrap(),
        }
    }

    /// A client signed in as `email`.
    pub async fn signed_in(&self, email: &str) -> Client {
        let c = self.client();
        let r = c.sign_in(email, PASSWORD).await;
        assert_eq!(r.status(), 303, "sign-in as {email} failed");
        c
    }

    /// An API token for `user`.
    pub async fn token(&self, org: &Org, user: &User) -> String {
        let s = Secret::generate("lw_");
        self.db.create_api_token(&org.scope, &Actor::system(), user.id, "test", &s.hash()).await.unwrap();
        s.expose().to_owned()
    }
}

pub struct Client {
    pub app_base: String,
    pub http: reqwest::Client,
}

impl Client {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.app_base)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http.get(self.url(path)).send().await.unwrap()
    }

    pub async fn text(&self, path: &str) -> String {
        self.get(path).await.text().await.unwrap()
    }

    /// The CSRF token of this client's session (creating the session if needed).
    pub async fn csrf(&self) -> String {
        let html = self.text("/sign-in").await;
        let html = if html.contains("csrf_token") { html } else { self.text("/account").await };
        extract_csrf(&html).expect("a page with a CSRF token")
    }

    /// POST a form with this session's CSRF token added.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let token = self.csrf().await;
        let mut all: Vec<(&str, &str)> = vec![("csrf_token", token.as_str())];
        all.extend_from_slice(fields);
        self.http.post(self.url(path)).form(&all).send().await.unwrap()
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> reqwest::Response {
        self.post_form("/sign-in", &[("email", email), ("password", password)]).await
    }
}

pub fn extract_csrf(html: &str) -> Option<String> {
    let i = html.find("name=\"csrf_token\" value=\"")? + "name=\"csrf_token\" value=\"".len();
    Some(html[i..].split('"').next()?.to_owned())
}

pub fn location(r: &reqwest::Response) -> String {
    r.headers().get("location").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default()
}

/// Raw SQL for assertions that look behind the application (counts, tampering).
pub async fn count(db: &Db, sql: &'static str) -> i64 {
    match db {
        Db::Sqlite(linkwell_store::SqliteDb { writes: p, .. }) => sqlx::query_scalar(sql).fetch_one(p).await.unwrap(),
        Db::Postgres(p) => sqlx::query_scalar(sql).fetch_one(p).await.unwrap(),
    }
}

/// The listing every test organisation has: Walk and Talk, every Tuesday 10:00–11:30 in
/// Roundhay Park, run by Leeds Ramblers.
pub async fn seed_listing(
    db: &Db,
    scope: &OrgScope,
) -> (linkwell_store::directory::Provider, linkwell_store::directory::Service) {
    seed_listing_named(db, scope, "Walk and Talk").await
}

/// A provider and one listing called `name` (Tuesdays 10:00–11:30 in Roundhay Park).
pub async fn seed_listing_named(
    db: &Db,
    scope: &OrgScope,
    name: &str,
) -> (linkwell_store::directory::Provider, linkwell_store::directory::Service) {
    use linkwell_domain::directory::{ProviderFields, ProviderInput};
    let actor = Actor::system();
    let f = ProviderFields {
        name: "Leeds Ramblers".into(),
        kind: "voluntary".into(),
        description: "Walking for everyone".into(),
        ..Default::default()
    };
    let provider = db.create_provider(scope, &actor, &ProviderInput::parse(&f).unwrap()).await.unwrap();
    let service = add_listing(db, scope, provider.id, name, "LS8 2HH", |f| {
        f.description = "A gentle walk round the park and a cuppa after.".into();
        f.location_name = "Roundhay Park".into();
    })
    .await;
    (provider, service)
}

/// A walking group in `scope` run by `provider`: free, for loneliness and physical
/// activity, every Tuesday 10:00–11:30 for a year at `postcode` (placed on the map when the postcode
/// is loaded), as `edit` changes it. Straight into the database: search follows it.
pub async fn add_listing(
    db: &Db,
    scope: &OrgScope,
    provider: linkwell_domain::ProviderId,
    name: &str,
    postcode: &str,
    edit: impl FnOnce(&mut linkwell_domain::directory::ServiceFields),
) -> linkwell_store::directory::Service {
    use linkwell_domain::directory::{ScheduleFields, ServiceFields, ServiceInput};
    let mut f = ServiceFields {
        provider_id: provider.to_string(),
        name: name.into(),
        description: "A friendly walk and a chat.".into(),
        cost: "free".into(),
        needs: vec!["loneliness".into(), "physical_activity".into()],
        activities: vec!["walking".into()],
        location_name: format!("{name} meeting point"),
        postcode: postcode.into(),
        // It has met for a year: a connection made in the past can have started.
        schedules: vec![ScheduleFields {
            repeat: "weekly".into(),
            day: "TU".into(),
            starts: linkwell_domain::time::DateEntry::of(
                linkwell_app::today().checked_sub(jiff::Span::new().days(364)).unwrap(),
            ),
            opens: "10:00".into(),
            closes: "11:30".into(),
            ..Default::default()
        }],
        ..Default::default()
    };
    edit(&mut f);
    let today = linkwell_app::today();
    let mut input = ServiceInput::parse(&f, today).unwrap();
    db.locate_places(&mut input.locations).await.unwrap();
    db.create_service(scope, &Actor::system(), &input, today).await.unwrap()
}

/// Put a listing into `status` as the command line or an import would (no page).
pub async fn set_listing_status(
    db: &Db,
    scope: &OrgScope,
    listing: &linkwell_store::directory::Service,
    status: linkwell_domain::directory::ServiceStatus,
) -> linkwell_store::directory::Service {
    db.set_service_status(scope, &Actor::system(), listing.id, Version(listing.version), &status, "").await.unwrap()
}

/// Load postcode coordinates (postcode, latitude, longitude), as `linkwell import postcodes` does.
pub async fn load_postcodes(db: &Db, points: &[(&str, f64, f64)]) {
    use linkwell_domain::directory::LatLon;
    use linkwell_store::directory::PostcodeRow;
    db.import_postcodes(
        points.iter().map(|(p, a, o)| PostcodeRow { postcode: (*p).into(), point: LatLon::new(*a, *o).unwrap() }),
    )
    .await
    .unwrap();
}

/// Another user of organisation A, with the test password.
pub async fn add_user(app: &TestApp, role: Role, email: &str) -> User {
    add_user_at(app, role, email, role.needs_practice().then_some(app.a.practice.id)).await
}

/// Another user of organisation A at `practice`, with the test password.
pub async fn add_user_at(
    app: &TestApp,
    role: Role,
    email: &str,
    practice: Option<linkwell_domain::PracticeId>,
) -> User {
    let new = NewUser {
        email: EmailAddress::parse(email).unwrap(),
        display_name: format!("{} {email}", role.label()),
        role,
        practice_id: practice,
        password_hash: HASH.clone(),
    };
    app.db.create_user(&app.a.scope, &Actor::system(), &new).await.unwrap()
}

/// A second practice in organisation A, with a referrer of its own.
pub async fn add_practice_referrer(app: &TestApp, ods: &str, email: &str) -> User {
    let practice = app
        .db
        .create_practice(&app.a.scope, &Actor::system(), &PracticeInput::parse("Hillside Surgery", ods).unwrap())
        .await
        .unwrap();
    add_user_at(app, Role::Referrer, email, Some(practice.id)).await
}

/// Turn one of organisation A's public switches (the published directory, self-referral)
/// on, as an admin does in settings.
pub async fn switch_on(app: &TestApp, switch: linkwell_store::organisations::PublicSwitch) {
    let org = app.db.organisation(&app.a.scope).await.unwrap();
    app.db.set_public_switch(&app.a.scope, &Actor::system(), switch, true, Version(org.version)).await.unwrap();
}

/// What [`open_every_route`] made for the routes that name it.
pub struct Opened {
    /// A user who exists only to be disabled, enabled and reset.
    pub target: String,
    /// A calendar feed token of a user the matrix never signs in as.
    pub feed: String,
    /// A member of organisation A's group, and one of its sessions.
    pub member: String,
    pub session: String,
    /// The secret of the link in the member's welcome.
    pub link: String,
    /// A story the member gave.
    pub story: String,
    /// The secret of the feedback link in the member's follow-up of `session`.
    pub feedback: String,
    /// The secret of a questionnaire link sent to a person of organisation A.
    pub questionnaire: String,
    /// The code of organisation A's own questionnaire.
    pub own_questionnaire: String,
}

/// A route template with organisation A's records in it (the matrix's and the hostile
/// suite's).
pub fn concrete(app: &TestApp, path: &str, opened: &Opened) -> String {
    let (target, feed) = (&opened.target, &opened.feed);
    let case = &app.a.case;
    let referral = if path.contains("discharge-summary") { case.discharged } else { case.referral };
    path.replace("/referrals/{id}", &format!("/referrals/{referral}"))
        .replace("/people/{id}", &format!("/people/{}", case.person))
        .replace("/sessions/{id}", &format!("/sessions/{}", case.session))
        .replace("{note}", &case.note.to_string())
        .replace("{member}", &opened.member)
        .replace("{story}", &opened.story)
        .replace("/group-links/{token}", &format!("/group-links/{}", opened.link))
        .replace("/group-feedback/{token}", &format!("/group-feedback/{}", opened.feedback))
        .replace("/questionnaire/{token}", &format!("/questionnaire/{}", opened.questionnaire))
        .replace("{session}", &opened.session)
        .replace("{code}", &opened.own_questionnaire)
        .replace("{version}", "1")
        .replace("{date}", "2027-01-05")
        .replace("/practices/{id}", &format!("/practices/{}", app.a.practice.id))
        .replace("/admin/sites/{id}", &format!("/admin/sites/{}", app.a.site.id))
        .replace("/api/v1/sites/{id}", &format!("/api/v1/sites/{}", app.a.site.id))
        .replace("/admin/users/{id}", &format!("/admin/users/{target}"))
        .replace("/api/v1/users/{id}", &format!("/api/v1/users/{target}"))
        .replace("{token}", "rs_not-a-real-token")
        .replace("/rooms/{id}", &format!("/rooms/{}", app.a.room.id))
        .replace("/admin/tools/{id}", &format!("/admin/tools/{}", app.a.tool.id))
        .replace("/api/v1/tools/{id}", &format!("/api/v1/tools/{}", app.a.tool.id))
        .replace("/directory/providers/{id}", &format!("/directory/providers/{}", app.a.provider.id))
        .replace("/directory/services/{id}", &format!("/directory/services/{}", app.a.service.id))
        .replace("/groups/{id}", &format!("/groups/{}", app.a.service.id))
        .replace("/prescriptions/{id}", &format!("/prescriptions/{}", app.a.prescription))
        .replace("/services/{id}", &format!("/services/{}", app.a.service.id))
        .replace(
            "/service_at_locations/{id}",
            &format!("/service_at_locations/{}", app.a.service.locations[0].service_at_location_id),
        )
        .replace("/taxonomies/{id}", &format!("/taxonomies/{}", linkwell_domain::directory::Taxonomy::Needs.uuid()))
        .replace(
            "/taxonomy_terms/{id}",
            &format!(
                "/taxonomy_terms/{}",
                linkwell_domain::directory::Term::Need(linkwell_domain::referrals::Need::Loneliness).uuid()
            ),
        )
        .replace("/organizations/{id}", &format!("/organizations/{}", app.a.provider.id))
        .replace("{slug}", "a")
        .replace("{file}", &format!("{feed}.ics"))
        .replace("{*path}", "nhsuk-frontend.min.css")
}

/// Make every route of organisation A reachable, as the matrix and the hostile suite need:
/// a user to disable, enable and reset (`target`), self-referral and the published
/// directory switched on, and a calendar feed of a user nobody signs in as (`feed`).
pub async fn open_every_route(app: &TestApp) -> Opened {
    let target = linkwell_store::users::NewUser {
        email: linkwell_domain::identity::EmailAddress::parse("target@a.example").unwrap(),
        display_name: "Matrix Target".into(),
        role: Role::LinkWorker,
        practice_id: None,
        password_hash: linkwell_domain::identity::PasswordHash("unused".into()),
    };
    let target =
        app.db.create_user(&app.a.scope, &linkwell_store::Actor::system(), &target).await.unwrap().id.to_string();
    // Organisation A takes self-referrals; a link worker nobody signs in as has a calendar feed.
    let org = app.db.organisation(&app.a.scope).await.unwrap();
    app.db
        .set_public_switch(
            &app.a.scope,
            &linkwell_store::Actor::system(),
            linkwell_store::organisations::PublicSwitch::SelfReferral,
            true,
            linkwell_domain::Version(org.version),
        )
        .await
        .unwrap();
    app.db
        .set_public_switch(
            &app.a.scope,
            &linkwell_store::Actor::system(),
            linkwell_store::organisations::PublicSwitch::Directory,
            true,
            linkwell_domain::Version(org.version + 1),
        )
        .await
        .unwrap();
    // Organisation A runs its listing as a group the public may join, with its sessions and
    // a member.
    let fields = linkwell_domain::groups::GroupFields { public_join: true, ..Default::default() };
    let settings = linkwell_domain::groups::GroupSettings::parse(&fields).unwrap();
    let system = linkwell_store::Actor::system();
    app.db.create_group(&app.a.scope, &system, app.a.service.id, &settings).await.unwrap();
    let today = linkwell_app::today();
    linkwell_app::groups::keep_sessions(&app.db, &app.a.scope, &system, &app.a.service, today, jiff::Timestamp::now())
        .await
        .unwrap();
    let session = app.db.group_sessions(&app.a.scope, app.a.service.id, today, today + jiff::Span::new().days(100));
    let session = session.await.unwrap()[0].id.to_string();
    let member = linkwell_domain::groups::members::MemberFields {
        first_name: "Matrix".into(),
        email: "member@a.example".into(),
        consent_contact: true,
        ..Default::default()
    };
    let member = linkwell_domain::groups::members::NewMember::parse(&member, false).unwrap();
    let joining = linkwell_store::group_members::Joining {
        member: &member,
        route: linkwell_domain::groups::members::JoinRoute::Staff,
        person: None,
        once_per_contact: false,
    };
    let link = std::sync::Mutex::new(String::new());
    let welcome = |_: &linkwell_store::group_members::Member, secret: &linkwell_domain::identity::Secret| {
        *link.lock().unwrap() = secret.expose().to_owned();
        linkwell_store::group_members::Notice { subject: String::new(), body: String::new(), purpose: "group_joined" }
    };
    let member = app.db.join_group(&app.a.scope, &system, app.a.service.id, &joining, &welcome).await.unwrap();
    let owner = linkwell_store::users::NewUser {
        email: linkwell_domain::identity::EmailAddress::parse("feed@a.example").unwrap(),
        display_name: "Feed Owner".into(),
        role: Role::LinkWorker,
        practice_id: None,
        password_hash: linkwell_domain::identity::PasswordHash("unused".into()),
    };
    let owner = app.db.create_user(&app.a.scope, &linkwell_store::Actor::system(), &owner).await.unwrap();
    let secret = linkwell_domain::identity::Secret::generate("cal_");
    app.db
        .create_calendar_feed(&app.a.scope, &linkwell_store::Actor::system(), owner.id, &secret.hash())
        .await
        .unwrap();
    let feed = secret.expose().to_owned();
    let link = link.lock().unwrap().clone();
    // Organisation A's facilitator runs it.
    let facilitator = app.a.user(Role::Facilitator).id;
    app.db
        .set_group_facilitators(&app.a.scope, &system, app.a.service.id, linkwell_domain::Version(1), &[facilitator])
        .await
        .unwrap();
    let story = linkwell_domain::groups::stories::NewStory {
        member: member.id,
        story: "The walks got me out again.".into(),
        given_on: today,
        display: linkwell_domain::groups::stories::StoryDisplay::FirstName,
    };
    let story =
        app.db.record_story(&app.a.scope, &system, app.a.service.id, &story, None).await.unwrap().id.to_string();
    let feedback = std::sync::Mutex::new(String::new());
    let follow_up = |_: &linkwell_store::group_members::Member,
                     secret: &linkwell_domain::identity::Secret,
                     _: &linkwell_domain::identity::Secret| {
        *feedback.lock().unwrap() = secret.expose().to_owned();
        linkwell_store::group_members::Notice {
            subject: String::new(),
            body: String::new(),
            purpose: "group_follow_up",
        }
    };
    let session_id = session.parse().unwrap();
    let expires = linkwell_store::now_ms() + 86_400_000;
    app.db
        .send_follow_ups(&app.a.scope, session_id, &[member.id], (expires - 86_400_000, expires), &follow_up)
        .await
        .unwrap();
    let feedback = feedback.lock().unwrap().clone();
    let questionnaire = questionnaire_link(app, "Matrix", "Answerer").await;
    let own_questionnaire = own_questionnaire(app, "Matrix check").await;
    Opened {
        target,
        feed,
        member: member.id.to_string(),
        session,
        link,
        story,
        feedback,
        questionnaire,
        own_questionnaire,
    }
}

/// Organisation A's own questionnaire `name`: two questions (a scale, and a number), their
/// scores added up; returns its code.
pub async fn own_questionnaire(app: &TestApp, name: &str) -> String {
    use linkwell_domain::outcomes::own::{ChoiceFields, OwnDefinition, OwnFields, QuestionFields};
    let fields = OwnFields {
        name: name.into(),
        scoring: "sum".into(),
        better: "higher".into(),
        meaningful_change: "2".into(),
        questions: vec![
            QuestionFields {
                text: "How often do you get out?".into(),
                answer: "likert".into(),
                options: ["Never", "Sometimes", "Often"]
                    .iter()
                    .map(|l| ChoiceFields { label: (*l).into(), score: String::new() })
                    .collect(),
                first_score: "0".into(),
                ..Default::default()
            },
            QuestionFields {
                text: "Walks last week".into(),
                answer: "number".into(),
                min: "0".into(),
                max: "14".into(),
                ..Default::default()
            },
        ],
        ..Default::default()
    };
    let definition = OwnDefinition::parse(&fields).unwrap();
    let by = app.a.user(Role::Coordinator).id;
    let q = app.db.define_questionnaire(&app.a.scope, &linkwell_store::Actor::system(), &definition, by).await.unwrap();
    q.code
}

/// The secret of a questionnaire link (ONS4, follow-up) sent by text to a new person of
/// organisation A, `given` `family`, active with its link worker.
pub async fn questionnaire_link(app: &TestApp, given: &str, family: &str) -> String {
    use linkwell_domain::outcomes::instruments::{Instrument, Timepoint};
    let person = app.a.person(&app.db, given, family).await;
    exec(&app.db, &format!("UPDATE people SET preferred_channel = 'sms' WHERE id = '{person}'")).await;
    let referral = app.a.referral(&app.db, person, Stage::Active).await;
    let secret = std::sync::Mutex::new(String::new());
    let compose = |s: &linkwell_domain::identity::Secret| {
        *secret.lock().unwrap() = s.expose().to_owned();
        linkwell_store::group_members::Notice {
            subject: "Questions".into(),
            body: "A link".into(),
            purpose: "questionnaire_link",
        }
    };
    let ask = linkwell_store::questionnaire_links::LinkAsk {
        instrument: Instrument::Ons4.code().to_owned(),
        timepoint: Timepoint::FollowUp,
        expires_at: linkwell_store::now_ms() + 86_400_000,
    };
    let worker = app.a.user(Role::LinkWorker).id;
    let system = Actor::system();
    let sent = app.db.send_questionnaire_link(&app.a.scope, &system, person, referral, ask, worker, &compose);
    assert_eq!(sent.await.unwrap(), linkwell_store::questionnaire_links::LinkSend::Sent, "texts are preferred");
    secret.into_inner().unwrap()
}

/// `count`, asked until it gives `expected` (or five seconds pass): for what the server
/// writes after it has answered, like the audit of a refused sign-in.
pub async fn eventually(db: &Db, sql: &'static str, expected: i64) -> i64 {
    let mut n = count(db, sql).await;
    for _ in 0..100 {
        if n == expected {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        n = count(db, sql).await;
    }
    n
}

/// Raw SQL (one or more statements) behind the application's back: tampering, triggers,
/// moving time along.
pub async fn exec(db: &Db, sql: &str) {
    match db {
        Db::Sqlite(linkwell_store::SqliteDb { writes: p, .. }) => {
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(p).await.map(|_| ())
        }
        Db::Postgres(p) => sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(p).await.map(|_| ()),
    }
    .unwrap();
}

/// A referral form as a referrer fills it in for `given` `family`, born `dob` (day, month,
/// year), with `extra` fields added or repeated.
pub fn referral_form<'a>(
    given: &'a str,
    family: &'a str,
    (day, month, year): (&'a str, &'a str, &'a str),
    extra: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    let mut f = vec![
        ("given_name", given),
        ("family_name", family),
        ("dob_day", day),
        ("dob_month", month),
        ("dob_year", year),
        ("sex", "female"),
        ("phone", "07700 900123"),
        ("preferred_channel", "phone"),
        ("source", "gp"),
        ("needs", "loneliness"),
        ("urgency", "routine"),
        ("consent_confirmed", "true"),
    ];
    f.extend_from_slice(extra);
    f
}

/// The fields a problem details body names, in order (none for another body).
pub fn problem_fields(problem: &serde_json::Value) -> Vec<&str> {
    problem["errors"].as_array().map(|e| e.iter().filter_map(|e| e["field"].as_str()).collect()).unwrap_or_default()
}

/// Call the API as organisation A's user of `role` (a fresh token), with an optional JSON
/// body: the status and the body (`Null` when it is not JSON).
pub async fn api_call(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    role: Role,
    body: Option<serde_json::Value>,
) -> (u16, serde_json::Value) {
    let token = app.token(&app.a, app.a.user(role)).await;
    let mut r = reqwest::Client::new().request(method, app.url(path)).bearer_auth(token);
    if let Some(b) = body {
        r = r.json(&b);
    }
    let r = r.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(serde_json::Value::Null))
}

/// Make referral `r` one that arrived `days` ago (at this time of day).
pub async fn received_days_ago(app: &TestApp, r: ReferralId, days: i64) {
    let at = linkwell_store::now_ms() - days * 86_400_000;
    exec(&app.db, &format!("UPDATE referrals SET received_at = {at} WHERE id = '{r}'")).await;
}

/// A new person of organisation A and a referral for them taken to `stage`, in one line.
pub async fn person_referred(app: &TestApp, given: &str, family: &str, stage: Stage) -> (PersonId, ReferralId) {
    let person = app.a.person(&app.db, given, family).await;
    (person, app.a.referral(&app.db, person, stage).await)
}
