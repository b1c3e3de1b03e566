//! The test harness: a running app, a seeded organisation and signed-in clients.

use std::collections::HashMap;
use std::sync::LazyLock;

use linkwell_domain::identity::{EmailAddress, PasswordHash, Role, Secret, hash_password};
use linkwell_domain::organisations::PracticeInput;
use linkwell_store::practices::{Practice, Site};
use linkwell_store::testing::TestDb;
use linkwell_store::users::{NewUser, User};
use linkwell_store::{Actor, Db, Engine, OrgScope};
use linkwell_web::{AppState, Config};
use reqwest::redirect::Policy;

pub const PASSWORD: &str = "orange kettle maple";

static HASH: LazyLock<PasswordHash> = LazyLock::new(|| hash_password(PASSWORD).expect("hash"));

/// Run an async test body against both engines: `name::sqlite` and `name::postgres`.
macro_rules! both_engines {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name(linkwell_store::Engine::Sqlite).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name(linkwell_store::Engine::Postgres).await;
            }
        }
    )*};
}

/// An organisation with a practice, a site and one user in every role.
pub struct Org {
    pub scope: OrgScope,
    pub practice: Practice,
    pub site: Site,
    pub users: HashMap<Role, User>,
}

impl Org {
    pub fn user(&self, role: Role) -> &User {
        &self.users[&role]
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
    Org { scope, practice, site, users }
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
    spawn_with(engine, Config { sign_in_burst: 1000, sign_in_replenish_seconds: 1, ..Config::default() }).await
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
        Db::Sqlite(p) => sqlx::query_scalar(sql).fetch_one(p).await.unwrap(),
        Db::Postgres(p) => sqlx::query_scalar(sql).fetch_one(p).await.unwrap(),
    }
}
