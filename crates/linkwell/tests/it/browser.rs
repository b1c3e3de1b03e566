//! Journeys in headless Chromium (Debian's chromium through chromedriver), with axe-core
//! checking WCAG 2.2 A and AA on every page and state the journeys visit.

use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use linkwell_domain::identity::Role;
use linkwell_store::Engine;
use linkwell_store::testing::TempDir;
use linkwell_web::Config;

use crate::support::{PASSWORD, TestApp, spawn, spawn_with};

/// A chromedriver and a browser session, torn down on drop.
struct Browser {
    client: Client,
    driver: Child,
    _profile: TempDir,
    base: String,
    axe: String,
}

/// Ending chromedriver alone leaves Chromium and its renderers running (they piled up to
/// about a hundred over a few runs): chromedriver starts in a process group of its own,
/// and the whole group is ended, then anything still using this browser's profile.
impl Drop for Browser {
    fn drop(&mut self) {
        let group = format!("-{}", self.driver.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).stderr(Stdio::null()).status();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let profile = self._profile.0.display().to_string();
        let _ = Command::new("pkill").args(["-KILL", "-f", &profile]).stderr(Stdio::null()).status();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

async fn browser(app: &TestApp) -> Browser {
    // Test builds link two rustls crypto providers; name the one to use (ignore "already set").
    let _ = rustls::crypto::ring::default_provider().install_default();
    let port = free_port();
    let driver = Command::new(std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into()))
        .arg(format!("--port={port}"))
        .process_group(0)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver is installed (scripts/test installs Debian's chromium-driver)");
    let profile = TempDir::new("linkwell-chromium").unwrap();
    let caps = serde_json::json!({
        "goog:chromeOptions": {
            "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--disable-quic", "--window-size=1280,900",
                format!("--user-data-dir={}", profile.0.display()),
            ]
        }
    });
    let caps = caps.as_object().unwrap().clone();
    let mut last = None;
    for _ in 0..100 {
        match ClientBuilder::rustls()
            .unwrap()
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(client) => {
                let axe_path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../node_modules/axe-core/axe.min.js");
                let axe = std::fs::read_to_string(axe_path).expect("axe-core is installed (npm ci)");
                return Browser { client, driver, _profile: profile, base: app.base.clone(), axe };
            }
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("could not start a browser session: {last:?}");
}

impl Browser {
    async fn go(&self, path: &str) {
        self.client.goto(&format!("{}{path}", self.base)).await.unwrap();
    }

    async fn fill(&self, id: &str, value: &str) {
        let Ok(e) = self.client.find(Locator::Id(id)).await else {
            panic!("no field #{id} on {}:\n{}", self.path().await, self.body().await);
        };
        e.clear().await.unwrap();
        e.send_keys(value).await.unwrap();
    }

    async fn click_button(&self, text: &str) {
        let e = self.button(text).await;
        self.navigate_by(e).await;
    }

    /// A visible button by its text (a form's hidden default button is not one to click).
    async fn button(&self, text: &str) -> fantoccini::elements::Element {
        let xpath = format!("//main//button[normalize-space()='{text}' and not(@aria-hidden)]");
        self.client.find(Locator::XPath(&xpath)).await.unwrap_or_else(|_| panic!("button {text}"))
    }

    /// Click something that loads a new page, and wait until the new page has loaded.
    async fn navigate_by(&self, e: fantoccini::elements::Element) {
        self.client.execute("window.__lwOldPage = true; return true;", vec![]).await.unwrap();
        e.click().await.unwrap();
        for _ in 0..200 {
            let loaded = self
                .client
                .execute("return window.__lwOldPage === undefined && document.readyState === 'complete';", vec![])
                .await
                .map(|v| v == serde_json::Value::Bool(true))
                .unwrap_or(false);
            if loaded {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("the page did not change after a click");
    }

    /// Tick a radio or checkbox by clicking its label.
    async fn choose(&self, id: &str) {
        let e = self.client.find(Locator::Css(&format!("label[for=\"{id}\"]"))).await;
        let Ok(e) = e else { panic!("no choice #{id} on {}:\n{}", self.path().await, self.body().await) };
        e.click().await.unwrap();
    }

    /// Pick an option of a select by its value.
    async fn select(&self, id: &str, value: &str) {
        let css = format!("select[id=\"{id}\"] option[value=\"{value}\"]");
        self.client
            .find(Locator::Css(&css))
            .await
            .unwrap_or_else(|_| panic!("no option {value} in #{id}"))
            .click()
            .await
            .unwrap();
    }

    async fn click_link(&self, text: &str) {
        let e = self.client.find(Locator::LinkText(text)).await.unwrap_or_else(|_| panic!("link {text}"));
        self.navigate_by(e).await;
    }

    /// A link by the start of its visible text (its visually hidden rest names the row).
    async fn click_partial_link(&self, text: &str) {
        let xpath = format!("//main//a[starts-with(normalize-space(), '{text}')]");
        let e = self.client.find(Locator::XPath(&xpath)).await.unwrap_or_else(|_| panic!("link {text}"));
        self.navigate_by(e).await;
    }

    async fn body(&self) -> String {
        self.client.find(Locator::Css("body")).await.unwrap().text().await.unwrap()
    }

    async fn path(&self) -> String {
        self.client.current_url().await.unwrap().path().to_owned()
    }

    async fn sign_in(&self, email: &str, password: &str) {
        self.go("/sign-in").await;
        self.fill("email", email).await;
        self.fill("password", password).await;
        self.click_button("Sign in").await;
    }

    async fn sign_out(&self) {
        let e = self.client.find(Locator::Css(".nhsuk-header__account-button")).await.unwrap();
        self.navigate_by(e).await;
    }

    /// Run axe-core on the current page; fail listing every WCAG 2.2 A/AA violation.
    async fn assert_accessible(&self, what: &str) {
        let violations = self.violations().await;
        assert!(violations.is_empty(), "{what}: accessibility violations:\n{}", violations.join("\n"));
    }

    /// At a phone's width of 320 CSS px, the page fits: nothing scrolls sideways (WCAG
    /// 1.4.10 reflow). The window goes back to the size it had after.
    async fn assert_reflows(&self, what: &str) {
        let (width, height) = self.client.get_window_size().await.unwrap();
        self.client.set_window_size(320, 800).await.unwrap();
        let widths = self
            .client
            .execute("return [document.documentElement.scrollWidth, document.documentElement.clientWidth];", vec![])
            .await
            .unwrap();
        self.client.set_window_size(width as u32, height as u32).await.unwrap();
        let (scroll, client) = (widths[0].as_i64().unwrap(), widths[1].as_i64().unwrap());
        assert!(scroll <= client, "{what}: {scroll} px wide in a {client} px window at 320 px");
    }

    /// How far down the page (CSS px) the first element matching `css` starts.
    async fn top_of(&self, css: &str) -> i64 {
        let script =
            format!("return Math.round(document.querySelector('{css}').getBoundingClientRect().top + window.scrollY);");
        self.client.execute(&script, vec![]).await.unwrap().as_i64().unwrap_or_else(|| panic!("no {css}"))
    }

    async fn violations(&self) -> Vec<String> {
        self.client.execute(&format!("{};return true;", self.axe), vec![]).await.unwrap();
        let script = r#"
            const done = arguments[arguments.length - 1];
            axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } })
               .then(r => done(r.violations.map(v => v.id + ' (' + v.impact + '): ' + v.nodes.map(n => n.target.join(' ')).join(', '))))
               .catch(e => done(['axe failed: ' + e]));
        "#;
        let v = self.client.execute_async(script, vec![]).await.unwrap();
        serde_json::from_value(v).unwrap()
    }
}

both_engines!(
    each_role_signs_in_and_sees_its_navigation,
    sign_in_errors_throttling_and_csrf,
    users_admin_journey,
    the_link_workers_journey,
    a_lonely_person_is_connected_to_a_walking_group,
    a_coordinator_and_a_link_worker_start_the_day,
    a_coordinator_and_a_link_worker_start_the_day_on_a_phone,
    on_a_phone_a_person_finds_help_and_refers_themselves,
    on_a_phone_a_facilitator_takes_todays_register,
    on_a_phone_a_member_joins_tells_how_it_was_and_withdraws_their_story,
    outcomes_are_recorded_answered_on_a_phone_and_reported,
    a_coordinator_defines_a_questionnaire_of_the_teams_own
);

/// A listing with a place, straight into the database (the search index follows it).
async fn walking_group(app: &TestApp, name: &str, postcode: &str, opens: &str) -> linkwell_store::directory::Service {
    crate::support::add_listing(&app.db, &app.a.scope, app.a.provider.id, name, postcode, |f| {
        f.schedules[0].opens = opens.into();
        f.schedules[0].closes = "11:45".into();
    })
    .await
}

/// The issue's journey: a link worker opens a person who is lonely and free on Tuesday
/// mornings, finds a walking group on Tuesday within 3 miles (a paused one is not
/// offered), connects them to it, and later records that they are still going at six
/// weeks — with axe-core on every page, the public directory included.
async fn a_lonely_person_is_connected_to_a_walking_group(engine: Engine) {
    use linkwell_domain::directory::ServiceStatus;
    let app = spawn(engine).await;
    let points = [("LS1 4AP", 53.7997, -1.5492), ("LS2 9JT", 53.8067, -1.5550), ("LS17 5AA", 53.8580, -1.5300)];
    crate::support::load_postcodes(&app.db, &points).await;
    let strollers = walking_group(&app, "Tuesday Strollers", "LS2 9JT", "10:00").await;
    let paused = walking_group(&app, "Woodhouse Walkers", "LS2 9JT", "10:30").await;
    crate::support::set_listing_status(&app.db, &app.a.scope, &paused, ServiceStatus::Paused { restart: None }).await;
    walking_group(&app, "Moortown Rambles", "LS17 5AA", "10:00").await;
    crate::support::switch_on(&app, linkwell_store::organisations::PublicSwitch::Directory).await;
    let person = app.a.case.person;
    let b = browser(&app).await;
    b.sign_in(&app.a.email(Role::LinkWorker), PASSWORD).await;

    // Margaret's record: she is free on Tuesday mornings.
    b.go(&format!("/people/{person}")).await;
    b.assert_accessible("a person's record with suggestions").await;
    b.choose("free-tu-morning").await;
    b.click_button("Save").await;
    b.select("miles", "3").await;
    b.click_button("Update suggestions").await;
    // The follower may take a moment to index the groups written straight to the database.
    for _ in 0..40 {
        if b.body().await.contains("Tuesday Strollers") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        b.go(&format!("/people/{person}?miles=3")).await;
    }
    let page = b.body().await;
    let suggestions = page.split("Suggested services").nth(1).unwrap();
    assert!(
        suggestions.contains("Tuesday Strollers") && suggestions.contains("Runs Tuesday morning, when they are free"),
        "{suggestions}"
    );
    assert!(suggestions.contains("0.5 miles from their postcode"));
    assert!(!suggestions.contains("Woodhouse Walkers"), "a paused group is not offered");
    assert!(!suggestions.contains("Moortown Rambles"), "more than 3 miles away");
    b.assert_accessible("suggestions within 3 miles").await;

    // Connect her, accompanied, 43 days ago (the worker records it after the event).
    b.click_link("Connect Margaret to Tuesday Strollers").await;
    b.assert_accessible("connecting to a service").await;
    b.choose("kind-3").await;
    let d = linkwell_app::today().checked_sub(jiff::Span::new().days(43)).unwrap();
    b.fill("date", &d.day().to_string()).await;
    b.fill("date-month", &d.month().to_string()).await;
    b.fill("date-year", &d.year().to_string()).await;
    b.fill("notes", "Walked there together").await;
    b.click_button("Record the connection").await;
    assert!(b.body().await.contains("Connection to Tuesday Strollers recorded"));
    b.assert_accessible("the case with its connection").await;

    // The caseload asks whether she started; she did.
    b.go("/caseload").await;
    b.assert_accessible("caseload with follow-ups due").await;
    b.click_partial_link("Did they start?").await;
    b.assert_accessible("recording how it is going").await;
    b.choose("outcome").await;
    b.click_button("Save").await;
    // Six weeks on: still going.
    b.go("/caseload").await;
    b.click_partial_link("Still going at 6 weeks?").await;
    b.choose("outcome-2").await;
    b.click_button("Save").await;
    let case = b.body().await;
    assert!(case.contains("Still attending at 6 weeks"), "{case}");
    b.go("/caseload").await;
    assert!(b.body().await.contains("No follow-ups are due"));
    let rx = app.db.prescriptions_for_referral(&app.a.scope, app.a.case.referral).await.unwrap();
    assert!(rx.iter().any(|p| p.service_id == strollers.id
        && p.outcome == Some(linkwell_domain::directory::PrescriptionOutcome::Attending6Weeks)));

    // The directory's own search finds the group by a misspelling, day, time and distance.
    b.go("/directory").await;
    b.assert_accessible("the directory").await;
    b.fill("q", "walkng").await;
    b.select("day", "TU").await;
    b.select("time", "morning").await;
    b.fill("postcode", "LS1 4AP").await;
    b.fill("miles", "3").await;
    b.click_button("Search").await;
    let found = b.body().await;
    assert!(
        found.contains("Tuesday Strollers") && !found.contains("Woodhouse Walkers") && !found.contains("Moortown"),
        "{found}"
    );
    b.assert_accessible("directory search results").await;
    for path in [
        format!("/directory/services/{}", strollers.id),
        format!("/directory/services/{}/edit", strollers.id),
        format!("/directory/services/{}/pause", strollers.id),
        "/directory/services/new".to_owned(),
        "/directory/providers".to_owned(),
        "/directory/check".to_owned(),
        "/directory/import".to_owned(),
        "/unmet-needs".to_owned(),
        format!("/referrals/{}/plan", app.a.case.referral),
    ] {
        b.go(&path).await;
        b.assert_accessible(&path).await;
    }

    // The public directory, signed out.
    b.sign_out().await;
    b.go("/community/a").await;
    b.assert_accessible("the public directory").await;
    b.fill("q", "walk").await;
    // The other filters wait behind a disclosure.
    b.client.find(Locator::Css("details summary")).await.unwrap().click().await.unwrap();
    b.select("day", "TU").await;
    b.click_button("Search").await;
    let public = b.body().await;
    assert!(public.contains("Tuesday Strollers") && !public.contains("Woodhouse Walkers"), "{public}");
    b.assert_accessible("public search results").await;
    b.click_link("Tuesday Strollers").await;
    b.assert_accessible("a public listing").await;
    assert!(b.body().await.contains("Every Tuesday, 10:00 to 11:45"));
}

async fn each_role_signs_in_and_sees_its_navigation(engine: Engine) {
    let app = spawn(engine).await;
    let b = browser(&app).await;
    b.go("/sign-in").await;
    b.assert_accessible("sign-in page").await;
    // Prove the checker: an image without alternative text is reported.
    b.client.execute("document.querySelector('main').insertAdjacentHTML('beforeend', '<img src=\"/assets/images/favicon.svg\">'); return true;", vec![]).await.unwrap();
    let v = b.violations().await;
    assert!(v.iter().any(|v| v.starts_with("image-alt")), "{v:?}");
    for (role, nav) in [
        (Role::Admin, "Home Directory Practices Users Sites and rooms Programmes Settings Messages Audit trail"),
        (Role::Coordinator, "Home Caseload Diary Waiting list Referrals Directory Groups Reports Practices Team"),
        (Role::LinkWorker, "Home Caseload Diary Referrals Directory Groups Practices"),
        (Role::Referrer, "Home Referrals Directory Practices"),
        (Role::Facilitator, "Home Registers"),
        (Role::Commissioner, "Home Reports"),
    ] {
        b.sign_in(&app.a.email(role), PASSWORD).await;
        assert_eq!(b.path().await, "/", "{role} lands on home");
        let links = b.client.find_all(Locator::Css(".nhsuk-header__navigation-item a")).await.unwrap();
        let mut texts = Vec::new();
        for l in links {
            texts.push(l.text().await.unwrap());
        }
        assert_eq!(texts.join(" ").split_whitespace().collect::<Vec<_>>().join(" "), nav, "{role}");
        assert!(b.body().await.contains(role.label()), "{role} shown in the header");
        b.assert_accessible(&format!("{role} home")).await;
        b.go("/account").await;
        b.assert_accessible(&format!("{role} account")).await;
        b.sign_out().await;
        assert_eq!(b.path().await, "/sign-in");
    }
}

async fn sign_in_errors_throttling_and_csrf(engine: Engine) {
    let app = spawn_with(engine, Config { sign_in_burst: 4, sign_in_replenish_seconds: 60, ..Config::default() }).await;
    let b = browser(&app).await;
    b.sign_in(&app.a.email(Role::Admin), "not my password").await;
    let body = b.body().await;
    assert!(body.contains("There is a problem") && body.contains("Enter a correct email address and password"));
    b.assert_accessible("sign-in with an error").await;
    // The error summary links to the field.
    b.client.find(Locator::Css(".nhsuk-error-summary a")).await.unwrap().click().await.unwrap();

    // A form whose CSRF token was removed is refused.
    b.sign_in(&app.a.email(Role::Admin), PASSWORD).await;
    b.go("/practices/new").await;
    b.client
        .execute("document.querySelector('main form input[name=csrf_token]').remove(); return true;", vec![])
        .await
        .unwrap();
    b.fill("name", "Forged Surgery").await;
    b.fill("ods_code", "F81001").await;
    b.click_button("Save practice").await;
    assert!(b.body().await.contains("Your request could not be accepted"));
    b.assert_accessible("refused form").await;
    b.go("/practices").await;
    assert!(!b.body().await.contains("Forged Surgery"));
    b.sign_out().await;

    // Throttling after the client's burst of failures (the successful sign-in above did
    // not count): one failure before, three now, and the fifth attempt is slowed down.
    for _ in 0..4 {
        b.sign_in("someone@a.example", "wrong wrong wrong").await;
    }
    let body = b.body().await;
    assert!(body.contains("Too many attempts"), "{body}");
    b.assert_accessible("throttled sign-in").await;
}

async fn users_admin_journey(engine: Engine) {
    let app = spawn(engine).await;
    let b = browser(&app).await;
    b.sign_in(&app.a.email(Role::Admin), PASSWORD).await;
    b.go("/admin/users").await;
    b.assert_accessible("users list").await;
    b.click_link("Add a user").await;
    b.assert_accessible("add user form").await;
    b.click_button("Add user").await;
    let body = b.body().await;
    assert!(body.contains("Enter the person's full name") && body.contains("Select a role"));
    b.assert_accessible("add user form with errors").await;
    b.fill("display_name", "Kofi Mensah").await;
    b.fill("email", "kofi@a.example").await;
    b.client.find(Locator::Css("#role option[value=coordinator]")).await.unwrap().click().await.unwrap();
    b.click_button("Add user").await;
    assert!(b.body().await.contains("Kofi Mensah has been added"));
    b.assert_accessible("new user link page").await;
    let link =
        b.client.find(Locator::Css("[data-testid=reset-link] a")).await.unwrap().attr("href").await.unwrap().unwrap();

    // The other pages of this issue, for the accessibility check.
    for (path, what) in [
        ("/practices".to_string(), "practices"),
        ("/practices/new".into(), "new practice"),
        (format!("/practices/{}/edit", app.a.practice.id), "edit practice"),
        ("/admin/sites".into(), "sites and rooms"),
        ("/admin/audit".into(), "audit trail"),
        ("/admin/audit?from_day=nonsense".into(), "audit trail with an error"),
        (format!("/admin/users/{}", app.a.user(Role::Referrer).id), "user details"),
        ("/accessibility".into(), "accessibility statement"),
        ("/privacy".into(), "privacy"),
        ("/no-such-page".into(), "not found"),
    ] {
        b.go(&path).await;
        b.assert_accessible(what).await;
    }
    b.go("/practices/new").await;
    b.click_button("Save practice").await;
    b.assert_accessible("new practice with errors").await;
    b.sign_out().await;

    // Kofi chooses a password and signs in.
    b.go(&link).await;
    b.assert_accessible("choose a password").await;
    b.fill("new_password", "sunrise ferry lantern").await;
    b.fill("confirm_password", "sunrise ferry lantern").await;
    b.click_button("Set password").await;
    assert!(b.body().await.contains("Your password has been set"));
    b.sign_in("kofi@a.example", "sunrise ferry lantern").await;
    assert!(b.body().await.contains("Hello, Kofi Mensah"));
    b.go("/admin/audit").await;
    assert!(b.body().await.contains("You do not have permission to see this page"));
    b.assert_accessible("forbidden").await;
    b.sign_out().await;

    // The admin disables Kofi; he can no longer sign in.
    b.sign_in(&app.a.email(Role::Admin), PASSWORD).await;
    b.go("/admin/users").await;
    b.click_link("Kofi Mensah").await;
    b.click_button("Disable user").await;
    assert!(b.body().await.contains("Kofi Mensah has been disabled"));
    b.assert_accessible("user disabled").await;
    b.sign_out().await;
    b.sign_in("kofi@a.example", "sunrise ferry lantern").await;
    assert!(b.body().await.contains("Enter a correct email address and password"));
}

/// The journey of issue 3 in the browser, with axe-core on every page it visits.
async fn the_link_workers_journey(engine: Engine) {
    let app = spawn(engine).await;
    let b = browser(&app).await;

    // A referrer refers.
    b.sign_in(&app.a.email(Role::Referrer), PASSWORD).await;
    b.click_link("Refer someone").await;
    b.assert_accessible("referral form").await;
    b.click_button("Send referral").await;
    assert!(b.body().await.contains("Enter the person's first name"));
    b.assert_accessible("referral form with errors").await;
    for (id, value) in [
        ("nhs_number", "943 476 5919"),
        ("given_name", "Albert"),
        ("family_name", "Njoku"),
        ("dob_day", "14"),
        ("dob_month", "2"),
        ("dob_year", "1948"),
        ("postcode", "LS6 2AB"),
        ("phone", "07700 900123"),
        ("free_text", "Recently bereaved, rarely leaves the house."),
    ] {
        b.fill(id, value).await;
    }
    for id in [
        "sex-2",
        "preferred_channel",
        "consent_contact",
        "source",
        "needs",
        "needs-6",
        "urgency-2",
        "consent_confirmed",
    ] {
        b.choose(id).await;
    }
    b.click_button("Send referral").await;
    let body = b.body().await;
    assert!(body.contains("Referral sent") && body.contains("waiting to be triaged"), "{body}");
    b.assert_accessible("referral status for the referrer").await;
    let referral = b.path().await;
    b.sign_out().await;

    // A coordinator assigns it from the waiting list.
    b.sign_in(&app.a.email(Role::Coordinator), PASSWORD).await;
    b.click_link("Waiting list").await;
    b.assert_accessible("waiting list").await;
    b.click_link("Albert Njoku").await;
    b.assert_accessible("case page at triage").await;
    b.select("worker_id", &app.a.user(Role::LinkWorker).id.to_string()).await;
    b.click_button("Accept referral").await;
    assert!(b.body().await.contains("Referral accepted and assigned"));
    b.go("/caseload").await;
    b.assert_accessible("coordinator's caseload").await;
    b.sign_out().await;

    // The link worker: a failed contact attempt, then the initial session in the surgery.
    b.sign_in(&app.a.email(Role::LinkWorker), PASSWORD).await;
    b.click_link("Caseload").await;
    b.assert_accessible("caseload").await;
    b.click_link("Albert Njoku").await;
    b.choose("contact_outcome-2").await;
    b.click_button("Record contact attempt").await;
    assert!(b.body().await.contains("1 failed contact attempt of 3"));
    b.assert_accessible("case page while contacting").await;
    // From last Monday: the initial session has happened when its outcome is recorded.
    let monday = crate::support::last_monday_at(14).to_zoned(linkwell_domain::time::london()).date();
    let book = async |weeks: i64, in_person: bool| {
        b.go(&format!("{referral}/sessions/new")).await;
        let d = monday.checked_add(jiff::Span::new().weeks(weeks)).unwrap();
        b.fill("date", &d.day().to_string()).await;
        b.fill("date-month", &d.month().to_string()).await;
        b.fill("date-year", &d.year().to_string()).await;
        b.fill("time", "14:00").await;
        if in_person {
            b.choose("mode").await;
            let room = b.client.find(Locator::Css("#room_id option:nth-child(2)")).await.unwrap();
            room.click().await.unwrap();
        } else {
            b.choose("mode-2").await;
        }
        b.click_button("Book session").await;
    };
    b.go(&format!("{referral}/sessions/new")).await;
    b.assert_accessible("booking form").await;
    book(0, true).await;
    assert!(b.body().await.contains("Initial session booked"), "{}", b.body().await);
    assert!(b.body().await.contains("Initial session, 45 minutes"));
    let record = b.client.find(Locator::Css("a[href$='/outcome']")).await.unwrap();
    b.navigate_by(record).await;
    b.assert_accessible("session outcome form").await;
    b.choose("outcome").await;
    b.fill("notes", "Talked about what matters: his allotment and seeing people.").await;
    b.click_button("Save outcome").await;
    assert!(b.body().await.contains("Session outcome recorded"));

    // What matters and a plan with two goals.
    b.click_link("Agree a plan").await;
    b.assert_accessible("plan form").await;
    b.fill("what_matters", "Getting back to the allotment and seeing people").await;
    b.fill("goals[0].text", "Join the Walk and Talk group").await;
    b.fill("goals[0].progress", "2").await;
    b.fill("goals[0].target", "31").await;
    b.fill("goals[0].target-month", "1").await;
    b.fill("goals[0].target-year", "2027").await;
    // One blank goal is offered; "Add another goal" copies it in place (JavaScript), numbered
    // next, empty, with the focus in it.
    b.button("Add another goal").await.click().await.unwrap();
    assert_eq!(b.path().await, format!("{referral}/plan/edit"), "no page load");
    let focused = b.client.execute("return document.activeElement.id", vec![]).await.unwrap();
    assert_eq!(focused, serde_json::json!("goals[1].text"));
    b.fill("goals[1].text", "Visit the allotment every week").await;
    b.assert_accessible("plan form with a goal added").await;
    b.click_button("Save plan").await;
    let body = b.body().await;
    assert!(body.contains("Plan saved (version 1)") && body.contains("Visit the allotment every week"), "{body}");
    assert!(
        body.contains("31 Jan 2027") && body.contains("Print this plan") && body.contains("Download as PDF"),
        "{body}"
    );
    b.assert_accessible("plan").await;

    // Five follow-ups, then a sixth is refused with a clear message.
    for week in 1..=5 {
        book(week, false).await;
        assert!(b.body().await.contains("Follow-up booked"), "follow-up {week}: {}", b.body().await);
    }
    book(6, false).await;
    let body = b.body().await;
    assert!(body.contains("This person has had all 5 follow-up sessions the programme allows"), "{body}");
    b.assert_accessible("sixth follow-up refused").await;

    for (path, what) in [
        ("/diary", "diary week"),
        ("/diary?view=day", "diary day"),
        ("/rooms", "rooms"),
        ("/account/calendar", "calendar feed"),
    ] {
        b.go(path).await;
        b.assert_accessible(what).await;
    }
    b.click_button("Turn on the calendar feed").await;
    b.assert_accessible("calendar feed address").await;

    // Discharge.
    b.go(&referral).await;
    b.assert_accessible("case page while active").await;
    b.click_link("Discharge").await;
    b.assert_accessible("discharge form").await;
    b.choose("reason").await;
    b.fill("summary", "Walks with the group every Tuesday and is back at the allotment.").await;
    b.click_button("Discharge").await;
    assert!(b.body().await.contains("871731000000106"));
    b.assert_accessible("discharge summary").await;
    b.sign_out().await;

    // The admin opens self-referral; the public form is accessible too.
    b.sign_in(&app.a.email(Role::Admin), PASSWORD).await;
    b.go("/admin/settings").await;
    b.assert_accessible("settings").await;
    b.choose("self_referral").await;
    b.click_button("Save settings").await;
    b.fill("reminder_hours", "0").await;
    b.click_button("Save messaging settings").await;
    assert!(b.body().await.contains("Enter hours from 1 to 336"));
    b.assert_accessible("messaging settings with an error").await;
    b.go("/admin/outbox").await;
    b.assert_accessible("messages").await;
    b.go("/admin/tools").await;
    b.assert_accessible("self-management tools").await;
    b.sign_out().await;
    b.go("/self-referral/a").await;
    b.assert_accessible("public self-referral form").await;
    b.click_button("Send").await;
    b.assert_accessible("public self-referral form with errors").await;

    // The referrer sees "Discharged" and no notes.
    b.sign_in(&app.a.email(Role::Referrer), PASSWORD).await;
    b.click_link("Referrals").await;
    b.assert_accessible("referrer's list").await;
    b.go(&referral).await;
    let body = b.body().await;
    assert!(body.contains("Discharged"), "{body}");
    for private in ["allotment", "Recently bereaved", "Walks with the group", "Walk and Talk"] {
        assert!(!body.contains(private), "the referrer must not see {private:?}");
    }
}

/// The issue's journey for the working day: a coordinator starts from home, follows the
/// urgent count to the waiting list, narrows it to referrals nobody holds, and assigns one
/// to the least-loaded worker by the counts the chooser shows; that worker starts their
/// day from home, where it is a new assignment, and finds the person by a misspelt name
/// from the header. axe on every page, and each at 320 px without sideways scrolling.
async fn a_coordinator_and_a_link_worker_start_the_day(engine: Engine) {
    start_the_day(engine, (1280, 900)).await;
}

/// The same day on a phone (390 × 844).
async fn a_coordinator_and_a_link_worker_start_the_day_on_a_phone(engine: Engine) {
    start_the_day(engine, (390, 844)).await;
}

async fn start_the_day(engine: Engine, (width, height): (u32, u32)) {
    let app = spawn(engine).await;
    let (una, referral, lena) = una_waits_urgently(&app).await;

    let b = browser(&app).await;
    b.client.set_window_size(width, height).await.unwrap();
    b.sign_in(&app.a.email(Role::Coordinator), PASSWORD).await;
    assert!(b.body().await.contains("The waiting list today"), "{}", b.body().await);
    b.assert_accessible("coordinator's home").await;
    b.assert_reflows("coordinator's home").await;
    b.click_link("Urgent").await;
    assert_eq!(b.path().await, "/waiting-list");
    b.select("assigned", "none").await;
    b.click_button("Search and filter").await;
    let url = b.client.current_url().await.unwrap();
    let query = url.query().unwrap_or_default().to_owned();
    assert!(query.contains("urgency=urgent") && query.contains("assigned=none"), "{query}");
    let list = b.body().await;
    assert!(list.contains("Una Urgent") && !list.contains("Olive Routine"), "{list}");
    if width < 640 {
        // On a phone each row is a stacked summary, each value with its heading beside it.
        let heading = "return getComputedStyle(document.querySelector('.nhsuk-table-responsive__heading')).display";
        let shown = b.client.execute(heading, vec![]).await.unwrap();
        assert_ne!(shown, serde_json::json!("none"), "stacked rows name each value");
    }
    b.assert_accessible("filtered waiting list").await;
    b.assert_reflows("filtered waiting list").await;
    // Sorted by name, the filters kept: by the column heading, or on a phone (whose stacked
    // rows show no headings) by "Sort by". Then all referrals, and two caseloads at once.
    if width < 640 {
        b.select("sort", "name-ascending").await;
        b.click_button("Search and filter").await;
    } else {
        b.click_partial_link("Person").await;
    }
    let query = b.client.current_url().await.unwrap().query().unwrap_or_default().to_owned();
    let by_name = if width < 640 { "order=name-ascending" } else { "sort=name" };
    assert!(query.contains("urgency=urgent") && query.contains(by_name), "{query}");
    assert!(b.body().await.contains("by family name, A to Z"), "{}", b.body().await);
    b.assert_accessible("waiting list sorted by name").await;
    b.go("/referrals?sort=received&direction=ascending").await;
    b.assert_accessible("all referrals, oldest first").await;
    b.assert_reflows("all referrals, oldest first").await;
    let seeded = app.a.user(Role::LinkWorker).id;
    b.go(&format!("/caseload?assigned={seeded}&assigned={}", lena.id)).await;
    assert!(b.body().await.contains("2 caseloads"), "{}", b.body().await);
    b.assert_accessible("two caseloads").await;
    b.assert_reflows("two caseloads").await;
    b.go("/caseloads").await;
    assert!(b.body().await.contains(&lena.display_name), "{}", b.body().await);
    b.assert_accessible("the team's caseloads").await;
    b.assert_reflows("the team's caseloads").await;
    // The organisation's listing run as a group: the groups and the group's page.
    let settings = linkwell_domain::groups::GroupSettings::parse(&Default::default()).unwrap();
    app.db.create_group(&app.a.scope, &linkwell_store::Actor::system(), app.a.service.id, &settings).await.unwrap();
    b.go("/groups").await;
    assert!(b.body().await.contains(&app.a.service.name), "{}", b.body().await);
    b.assert_accessible("groups").await;
    b.assert_reflows("groups").await;
    b.go(&format!("/groups/{}", app.a.service.id)).await;
    assert!(b.body().await.contains("Sessions to come"), "{}", b.body().await);
    b.assert_accessible("a group").await;
    b.assert_reflows("a group").await;
    b.go("/waiting-list?urgency=urgent&assigned=none").await;

    b.click_partial_link("Assign").await;
    let chooser = b.client.find(Locator::Css("#worker_id")).await.unwrap().text().await.unwrap();
    assert!(chooser.contains(&format!("{} (0 open cases)", lena.display_name)), "{chooser}");
    assert!(chooser.contains("(1 open case)"), "{chooser}");
    b.select("worker_id", &lena.id.to_string()).await;
    b.click_button("Accept referral").await;
    assert!(b.body().await.contains(&format!("Link worker: {}", lena.display_name)), "{}", b.body().await);
    b.go("/").await;
    assert!(!b.body().await.contains("Una Urgent"), "no longer waiting for a worker");
    b.sign_out().await;

    b.sign_in("lena@a.example", PASSWORD).await;
    let home = b.body().await;
    let new = home.find("New assignments").expect("new assignments");
    assert!(home[new..].contains("Una Urgent"), "{home}");
    b.assert_accessible("link worker's home").await;
    b.assert_reflows("link worker's home").await;
    b.fill("header-search", "una urgnet").await;
    let search = b.client.find(Locator::Css(".nhsuk-header__search-submit")).await.unwrap();
    b.navigate_by(search).await;
    assert!(b.body().await.contains("1 person found"), "{}", b.body().await);
    b.assert_accessible("people found").await;
    b.assert_reflows("people found").await;
    b.click_link("Una Urgent").await;
    assert_eq!(b.path().await, format!("/people/{una}"));

    // A note on the case, then the case's story with it.
    b.go(&format!("/referrals/{referral}")).await;
    b.click_link("Timeline and case notes").await;
    b.assert_accessible("timeline").await;
    b.client.find(Locator::Css("details summary")).await.unwrap().click().await.unwrap();
    b.choose("kind-2").await;
    b.fill("text", "Phoned Una: she would like to meet at the library.").await;
    b.click_button("Add note").await;
    let timeline = b.body().await;
    assert!(timeline.contains("Phoned Una: she would like to meet at the library."), "{timeline}");
    assert!(timeline.contains("Accepted and assigned to"), "{timeline}");
    b.assert_accessible("timeline with a note").await;
    b.assert_reflows("timeline with a note").await;

    // Una's first session, booked from a free period of next week's diary, then moved.
    let monday = crate::support::london_date(crate::support::next_monday_at(9));
    b.go(&format!("/diary?date={monday}")).await;
    b.assert_accessible("the week's diary").await;
    b.assert_reflows("the week's diary").await;
    b.click_partial_link("Book").await;
    b.assert_accessible("whose session to book").await;
    b.choose("referral").await;
    b.click_button("Continue").await;
    assert!(b.path().await.ends_with("/sessions/new"), "{}: {}", b.path().await, b.body().await);
    b.choose("mode-2").await;
    b.click_button("Book session").await;
    assert!(b.body().await.contains("Initial session booked for"), "{}", b.body().await);
    b.go(&format!("/diary?date={monday}")).await;
    b.click_partial_link("Move").await;
    b.assert_accessible("moving a session").await;
    b.fill("time", "11:00").await;
    b.choose("asked_by").await;
    b.click_button("Move session").await;
    let diary = b.body().await;
    assert!(diary.contains("Session moved to") && diary.contains("11:00–11:45"), "{diary}");
    b.go(&format!("/referrals/{referral}/timeline")).await;
    let timeline = b.body().await;
    assert!(timeline.contains("Moved to") && timeline.contains("Phoned Una"), "{timeline}");
}

/// Una Urgent waits, urgent and unassigned, beside Olive Routine; the seeded worker holds
/// Margaret Oakes's case and Lena, added, holds none. Returns Una's referral and Lena.
async fn una_waits_urgently(
    app: &TestApp,
) -> (linkwell_domain::PersonId, linkwell_domain::ids::ReferralId, linkwell_store::users::User) {
    use crate::support::{Stage, add_user, exec};
    let una = app.a.person(&app.db, "Una", "Urgent").await;
    let referral = app.a.referral(&app.db, una, Stage::Received).await;
    exec(&app.db, &format!("UPDATE referrals SET urgency = 'urgent', urgency_rank = 0 WHERE id = '{referral}'")).await;
    let olive = app.a.person(&app.db, "Olive", "Routine").await;
    app.a.referral(&app.db, olive, Stage::Received).await;
    (una, referral, add_user(app, Role::LinkWorker, "lena@a.example").await)
}

/// A member of the public on a phone (390 × 844) finds a walk (the results on the first
/// screen, the filters behind their toggle), taps to call, goes back to the search as it
/// was, and refers themselves. axe on every page, and each fits at 320 px.
async fn on_a_phone_a_person_finds_help_and_refers_themselves(engine: Engine) {
    use crate::support::{exec, switch_on};
    use linkwell_store::organisations::PublicSwitch;
    let app = spawn(engine).await;
    let b = browser(&app).await;
    b.client.set_window_size(390, 844).await.unwrap();
    // The directory and self-referral are open to the public.
    switch_on(&app, PublicSwitch::Directory).await;
    switch_on(&app, PublicSwitch::SelfReferral).await;
    let walk = app.a.service.id;
    exec(&app.db, &format!("UPDATE services SET phone = '0113 496 0000' WHERE id = '{walk}'")).await;
    b.go("/community/a?q=walk").await;
    b.assert_accessible("public search results on a phone").await;
    b.assert_reflows("public search results on a phone").await;
    let results = b.top_of("main h2").await;
    assert!(results < 844, "the results start on the first screen, not below the filters: {results} px down");
    let open = b.client.execute("return document.querySelector('details.nhsuk-details').open", vec![]).await.unwrap();
    assert_eq!(open, serde_json::json!(false), "the filters wait behind their toggle");
    b.click_link("Walk and Talk").await;
    let call = b.client.find(Locator::Css("a[href^='tel:']")).await.unwrap();
    assert_eq!(call.attr("href").await.unwrap().as_deref(), Some("tel:01134960000"));
    b.assert_accessible("a listing on a phone").await;
    b.assert_reflows("a listing on a phone").await;
    b.click_link("Back to the search").await;
    assert_eq!(b.client.current_url().await.unwrap().query(), Some("q=walk"), "the search is kept");
    b.click_link("Refer yourself to social prescribing").await;
    assert!(b.body().await.contains("How would you like us to contact you?"));
    b.assert_accessible("self-referral on a phone").await;
    b.assert_reflows("self-referral on a phone").await;
}

/// A facilitator on a phone (390 × 844) opens today's Walk and Talk, ticks six members (the
/// prescribed one among them), adds a walk-in and submits the register twice; the
/// coordinator sees seven attendances once and the prescription's follow-up answered.
async fn on_a_phone_a_facilitator_takes_todays_register(engine: Engine) {
    use crate::support::api_call;
    use reqwest::Method as M;
    use serde_json::json;
    let app = spawn(engine).await;
    let walk = crate::groups::walk_and_talk(&app).await;
    let (status, _) =
        api_call(&app, M::POST, "/api/v1/groups", Role::Coordinator, Some(json!({"service_id": walk}))).await;
    assert_eq!(status, 201);
    let facilitator = app.a.user(Role::Facilitator).clone();
    let body = json!({"version": 1, "facilitators": [facilitator.id.to_string()]});
    let (status, _) =
        api_call(&app, M::PUT, &format!("/api/v1/groups/{walk}/facilitators"), Role::Coordinator, Some(body)).await;
    assert_eq!(status, 200);
    for n in 0..8 {
        let body =
            json!({"first_name": format!("Walker{n}"), "last_name": "Lee", "email": format!("w{n}@people.example")});
        api_call(&app, M::POST, &format!("/api/v1/groups/{walk}/members"), Role::Coordinator, Some(body)).await;
    }
    let rx = format!("/api/v1/referrals/{}/prescriptions", app.a.case.referral);
    let (status, rx) =
        api_call(&app, M::POST, &rx, Role::LinkWorker, Some(json!({"service_id": walk, "kind": "referred"}))).await;
    assert_eq!(status, 201, "{rx}");
    let (_, members) = api_call(&app, M::GET, &format!("/api/v1/groups/{walk}/members"), Role::Coordinator, None).await;
    let prescribed = members.as_array().unwrap().iter().find(|m| m["route"] == "prescription").unwrap();
    let prescribed_name =
        format!("{} {}.", prescribed["first_name"].as_str().unwrap(), prescribed["last_initial"].as_str().unwrap());
    let session = crate::groups::session_today(&app, &walk).await;

    let b = browser(&app).await;
    b.client.set_window_size(390, 844).await.unwrap();
    b.sign_in(&facilitator.email, PASSWORD).await;
    b.go("/registers").await;
    b.assert_accessible("a facilitator's registers").await;
    b.click_link("Walk and Talk").await;
    assert_eq!(b.path().await, format!("/registers/{session}"));
    b.assert_accessible("a register on a phone").await;
    b.assert_reflows("a register on a phone").await;
    // Five walkers and the prescribed person.
    for n in 0..5 {
        let label = b
            .client
            .find(Locator::XPath(&format!("//label[starts-with(normalize-space(), 'Walker{n} L.')]")))
            .await
            .unwrap();
        label.click().await.unwrap();
    }
    let label = b
        .client
        .find(Locator::XPath(&format!("//label[starts-with(normalize-space(), '{prescribed_name}')]")))
        .await
        .unwrap();
    label.click().await.unwrap();
    // A walk-in, added and ticked; what was ticked stays ticked.
    b.client.find(Locator::Css("details summary")).await.unwrap().click().await.unwrap();
    b.fill("walk_in_first_name", "Wendy").await;
    b.fill("walk_in_phone", "07700 900444").await;
    b.click_button("Add and tick").await;
    assert!(b.body().await.contains("Wendy is added and ticked"));
    let ticked = b
        .client
        .execute("return document.querySelectorAll('input[name=attended]:checked').length;", vec![])
        .await
        .unwrap();
    assert_eq!(ticked, json!(7));
    b.assert_accessible("a register with a walk-in added").await;
    // Submitted twice (a double tap on a poor signal), then once more by the button.
    let twice = r#"
        const done = arguments[arguments.length - 1];
        const f = document.querySelector('main form');
        const send = () => { const d = new FormData(f); d.set('action', 'submit'); return fetch(f.getAttribute('action'), {method: 'POST', body: new URLSearchParams(d), credentials: 'same-origin', redirect: 'manual'}); };
        Promise.all([send(), send()]).then(rs => done(rs.map(r => r.type))).catch(e => done(String(e)));
    "#;
    let sent = b.client.execute_async(twice, vec![]).await.unwrap();
    assert_eq!(sent, json!(["opaqueredirect", "opaqueredirect"]), "both answered with the redirect after a save");
    b.click_button("Save the register").await;
    assert!(b.body().await.contains("This register was saved already: 7 came"), "{}", b.body().await);
    b.sign_out().await;

    // The coordinator sees seven attendances, once, and the prescription answered.
    b.sign_in(&app.a.email(Role::Coordinator), PASSWORD).await;
    b.go(&format!("/groups/{walk}")).await;
    assert!(b.body().await.contains("7 came"), "{}", b.body().await);
    b.assert_accessible("a group with its recent sessions on a phone").await;
    b.assert_reflows("a group with its figures on a phone").await;
    b.go("/groups").await;
    b.assert_accessible("the groups with their figures").await;
    b.assert_reflows("the groups with their figures").await;
    b.go(&format!("/groups/{walk}")).await;
    b.click_partial_link("Move or cancel").await;
    b.assert_accessible("moving or cancelling a session").await;
    b.assert_reflows("moving or cancelling a session").await;
    let (_, answered) = api_call(
        &app,
        M::GET,
        &format!("/api/v1/prescriptions/{}", rx["id"].as_str().unwrap()),
        Role::LinkWorker,
        None,
    )
    .await;
    assert_eq!(answered["outcome"], "started", "{answered}");
}

/// The secret of the link after `path` in the newest message of `purpose` in organisation
/// A's outbox.
async fn outbox_link(app: &TestApp, purpose: &str, path: &str) -> String {
    let page = app.db.outbox_page(&app.a.scope, None, 500).await.unwrap();
    let m = page.items.iter().find(|m| m.purpose == purpose).unwrap_or_else(|| panic!("a {purpose} message"));
    let at = m.body.find(path).unwrap_or_else(|| panic!("{path} in {}", m.body)) + path.len();
    format!("{path}{}", m.body[at..].split_whitespace().next().unwrap())
}

/// Someone on a phone joins Walk and Talk from the published directory, comes, answers the
/// follow-up's "how was it?" once, and later withdraws the story they gave from the link in
/// a message: it leaves the group's public page. Each page is checked with axe and for
/// reflow.
async fn on_a_phone_a_member_joins_tells_how_it_was_and_withdraws_their_story(engine: Engine) {
    use crate::support::api_call;
    use reqwest::Method as M;
    use serde_json::json;
    let app = spawn(engine).await;
    crate::support::switch_on(&app, linkwell_store::organisations::PublicSwitch::Directory).await;
    let walk = crate::groups::walk_and_talk(&app).await;
    let body = json!({"service_id": walk, "public_join": true});
    let (status, _) = api_call(&app, M::POST, "/api/v1/groups", Role::Coordinator, Some(body)).await;
    assert_eq!(status, 201);

    let b = browser(&app).await;
    b.client.set_window_size(390, 844).await.unwrap();
    let listing = format!("/community/a/services/{walk}");
    b.go(&listing).await;
    b.assert_accessible("a group's public page with its join form").await;
    b.assert_reflows("a group's public page with its join form").await;
    b.fill("first_name", "Nora").await;
    b.fill("email", "nora@people.example").await;
    b.choose("consent_contact").await;
    b.click_button("Join").await;
    assert!(b.body().await.contains("Thank you for joining"), "{}", b.body().await);
    b.assert_accessible("joined a group").await;
    b.assert_reflows("joined a group").await;

    // She came to today's session; its register is saved just after.
    let (_, members) = api_call(&app, M::GET, &format!("/api/v1/groups/{walk}/members"), Role::Coordinator, None).await;
    let nora = members[0]["id"].as_str().unwrap().to_owned();
    let session = crate::groups::session_today_ending(&app, &walk, -60_000).await;
    let body = json!({"key": "browser-register-1", "attended": [nora]});
    let (status, taken) =
        api_call(&app, M::POST, &format!("/api/v1/registers/{session}"), Role::Coordinator, Some(body)).await;
    assert_eq!(status, 200, "{taken}");

    // The follow-up's link: a rating and a comment, once.
    b.go(&outbox_link(&app, "group_follow_up", "/group-feedback/").await).await;
    b.assert_accessible("how was the session").await;
    b.assert_reflows("how was the session").await;
    b.click_button("Send feedback").await;
    assert!(b.body().await.contains("Select how the session was"), "a rating is needed");
    b.assert_accessible("how was the session, with an error").await;
    b.choose("rating").await;
    b.fill("comment", "Lovely people").await;
    b.click_button("Send feedback").await;
    assert!(b.body().await.contains("Your feedback has been sent"), "{}", b.body().await);
    let (_, summary) =
        api_call(&app, M::GET, &format!("/api/v1/groups/{walk}/feedback"), Role::Coordinator, None).await;
    assert_eq!((summary["count"].as_i64(), summary["average"].as_f64()), (Some(1), Some(5.0)), "{summary}");

    // Her story, given with consent, is on the public page until she withdraws it.
    let story = "Walking with others got me through a hard winter.";
    let body = json!({"member_id": nora, "story": story, "display": "first_name", "consent": true});
    let (status, _) =
        api_call(&app, M::POST, &format!("/api/v1/groups/{walk}/stories"), Role::Coordinator, Some(body)).await;
    assert_eq!(status, 201);
    b.go(&listing).await;
    assert!(b.body().await.contains(story));
    b.assert_accessible("a group's public page with a member's story").await;
    b.go(&outbox_link(&app, "group_follow_up", "/group-links/").await).await;
    b.assert_accessible("a member's own page with their story").await;
    b.assert_reflows("a member's own page with their story").await;
    b.click_button("Withdraw this story").await;
    assert!(b.body().await.contains("Your story is withdrawn"), "{}", b.body().await);
    b.assert_accessible("a member's own page after withdrawing").await;
    b.go(&listing).await;
    assert!(!b.body().await.contains(story), "withdrawn from the public page");

    // The team's page of the group, with its feedback, the withdrawn story and the form
    // that records one.
    b.sign_in(&app.a.email(Role::Coordinator), PASSWORD).await;
    b.go(&format!("/groups/{walk}")).await;
    let body = b.body().await;
    assert!(body.contains("1 rating, 5.0 out of 5") && body.contains("withdrawn on"), "{body}");
    b.assert_accessible("a group's feedback and stories").await;
    b.assert_reflows("a group's feedback and stories").await;
    let summary = "//summary[normalize-space()=\"Record a member's story\"]";
    b.client.find(Locator::XPath(summary)).await.unwrap().click().await.unwrap();
    b.assert_accessible("recording a member's story").await;
    b.assert_reflows("recording a member's story").await;
}

/// A session of `kind` last Monday at `hour` in case `referral`, with the link worker.
async fn past_session(
    app: &TestApp,
    referral: linkwell_domain::ids::ReferralId,
    kind: linkwell_domain::sessions::SessionKind,
    hour: i8,
) -> linkwell_domain::ids::SessionId {
    let new = linkwell_store::sessions::NewSession {
        referral_id: referral,
        worker_id: app.a.user(Role::LinkWorker).id,
        kind,
        mode: linkwell_domain::sessions::SessionMode::Telephone,
        room_id: None,
        starts: crate::support::last_monday_at(hour),
        reminder: None,
    };
    app.db.book_session(&app.a.scope, &linkwell_store::Actor::system(), &new).await.unwrap().id
}

/// Answer a questionnaire's form: each item's answer at position `pick` (1 = the first).
async fn answer_each(b: &Browser, items: usize, pick: usize) {
    for i in 0..items {
        let id = if pick == 1 { format!("answers[{i}]") } else { format!("answers[{i}]-{pick}") };
        b.choose(&id).await;
    }
}

/// A status fetched by the page's own script, as the signed-in browser would get it.
async fn status_of(b: &Browser, path: &str) -> (i64, String, String) {
    let script = format!(
        "const done = arguments[arguments.length - 1]; fetch('{path}').then(async r => {{ const bytes = new Uint8Array(await r.arrayBuffer()); done([r.status, r.headers.get('content-type') || '', String.fromCharCode(...bytes.slice(0, 2))]); }}).catch(e => done([0, String(e), '']));"
    );
    let v = b.client.execute_async(&script, vec![]).await.unwrap();
    (v[0].as_i64().unwrap(), v[1].as_str().unwrap().to_owned(), v[2].as_str().unwrap().to_owned())
}

/// A link worker records baseline and discharge SWEMWBS and ONS4 in sessions and sends a
/// follow-up; the person answers it through their link on a phone-sized page; a
/// commissioner opens the programme's funding-period report, sees small cells suppressed,
/// downloads the XLSX and reaches no person's page. Each page checked with axe.
async fn outcomes_are_recorded_answered_on_a_phone_and_reported(engine: Engine) {
    use linkwell_domain::sessions::SessionKind;
    let app = spawn(engine).await;
    let person = app.a.person(&app.db, "Albert", "Njoku").await;
    crate::support::exec(&app.db, &format!("UPDATE people SET preferred_channel = 'sms' WHERE id = '{person}'")).await;
    let case = app.a.referral(&app.db, person, crate::support::Stage::Active).await;
    let first = past_session(&app, case, SessionKind::Initial, 10).await;
    let last = past_session(&app, case, SessionKind::FollowUp, 15).await;
    let from = linkwell_domain::reporting::filter::financial_year_start(linkwell_app::today());
    let to = from + jiff::Span::new().days(364);
    crate::support::exec(
        &app.db,
        &format!(
            "UPDATE programmes SET funded_from = '{from}', funded_to = '{to}' WHERE id = '{}'",
            app.a.programme.id
        ),
    )
    .await;

    let b = browser(&app).await;
    b.sign_in(&app.a.email(Role::LinkWorker), PASSWORD).await;
    b.go(&format!("/referrals/{case}")).await;
    b.click_partial_link("Record a questionnaire").await;
    b.assert_accessible("choosing a questionnaire").await;
    b.assert_reflows("choosing a questionnaire").await;
    b.choose("instrument-2").await;
    b.click_button("Continue").await;
    assert!(b.body().await.contains("Short Warwick-Edinburgh"), "{}", b.body().await);
    b.assert_accessible("a SWEMWBS form").await;
    b.assert_reflows("a SWEMWBS form").await;
    b.click_button("Save questionnaire").await;
    assert!(b.body().await.contains("Answer at least one question"), "an empty form records nothing");
    b.assert_accessible("a SWEMWBS form with an error").await;
    answer_each(&b, 7, 2).await;
    b.click_button("Save questionnaire").await;
    assert!(b.body().await.contains("SWEMWBS metric score 15.32"), "{}", b.body().await);
    b.go(&format!("/sessions/{first}/questionnaires/new?instrument=ons4")).await;
    answer_each(&b, 4, 5).await;
    b.click_button("Save questionnaire").await;
    assert!(b.body().await.contains("Life satisfaction 4"), "{}", b.body().await);
    for instrument in ["swemwbs", "ons4"] {
        b.go(&format!("/sessions/{last}/questionnaires/new?instrument={instrument}")).await;
        b.choose("timepoint-3").await;
        answer_each(&b, if instrument == "ons4" { 4 } else { 7 }, if instrument == "ons4" { 9 } else { 4 }).await;
        b.click_button("Save questionnaire").await;
    }
    let body = b.body().await;
    assert!(body.contains("SWEMWBS metric score 25.03") && body.contains("Life satisfaction 8"), "{body}");
    b.assert_accessible("a case with its questionnaires").await;
    b.assert_reflows("a case with its questionnaires").await;
    b.click_link("See Albert's outcomes over time").await;
    assert!(b.body().await.contains("2 scores from 15.32"), "{}", b.body().await);
    b.assert_accessible("a person's outcomes with charts").await;
    b.assert_reflows("a person's outcomes with charts").await;

    // A follow-up some weeks after, by a link to answer on their phone.
    b.go(&format!("/referrals/{case}")).await;
    let summary = "//summary[starts-with(normalize-space(), 'Send Albert a questionnaire')]";
    b.client.find(Locator::XPath(summary)).await.unwrap().click().await.unwrap();
    b.select("instrument", "ons4").await;
    b.select("timepoint", "follow_up").await;
    b.click_button("Send the link").await;
    assert!(b.body().await.contains("The questionnaire link was sent"), "{}", b.body().await);
    b.sign_out().await;
    b.client.set_window_size(390, 844).await.unwrap();
    b.go(&outbox_link(&app, "questionnaire_link", "/questionnaire/").await).await;
    assert!(!b.body().await.contains("Albert"), "the link's page names nobody");
    b.assert_accessible("a questionnaire by its link").await;
    b.assert_reflows("a questionnaire by its link").await;
    answer_each(&b, 4, 10).await;
    b.click_button("Send my answers").await;
    assert!(b.body().await.contains("Your answers have been sent"), "{}", b.body().await);
    b.assert_accessible("answers sent by a link").await;
    b.client.set_window_size(1280, 900).await.unwrap();

    // The commissioner's funding-period report: suppressed, downloadable, and no person.
    b.sign_in(&app.a.email(Role::Commissioner), PASSWORD).await;
    b.click_link("Reports").await;
    b.select("programme", &app.a.programme.id.to_string()).await;
    b.click_button("Show the report").await;
    let body = b.body().await;
    assert!(body.contains("Small numbers are suppressed") && body.contains("*"), "{body}");
    b.assert_accessible("the commissioner's report").await;
    b.assert_reflows("the commissioner's report").await;
    let query = format!("programme={}", app.a.programme.id);
    let (status, kind, head) = status_of(&b, &format!("/reports/export.xlsx?{query}")).await;
    assert_eq!(
        (status, kind.as_str(), head.as_str()),
        (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "PK")
    );
    for path in [format!("/people/{person}"), format!("/people/{person}/outcomes"), format!("/referrals/{case}")] {
        assert_eq!(status_of(&b, &path).await.0, 403, "{path}");
    }
}

/// A coordinator finds the team's questionnaires from the reports, defines one (a missing
/// name named first), sees it and opens it to change: every page accessible and
/// reflowing at 320 px.
async fn a_coordinator_defines_a_questionnaire_of_the_teams_own(engine: Engine) {
    let app = spawn(engine).await;
    let b = browser(&app).await;
    b.sign_in(&app.a.email(Role::Coordinator), PASSWORD).await;
    b.click_link("Reports").await;
    b.click_link("see and define your questionnaires").await;
    assert_eq!(b.path().await, "/questionnaires");
    b.assert_accessible("the questionnaires").await;
    b.assert_reflows("the questionnaires").await;
    b.go("/questionnaires/new").await;
    b.assert_accessible("a new questionnaire").await;
    b.assert_reflows("a new questionnaire").await;
    b.fill("questions[0].text", "How often do you get out?").await;
    b.choose("questions[0].answer").await;
    b.fill("questions[0].options", "Never\nSometimes\nOften").await;
    b.click_button("Save questionnaire").await;
    let body = b.body().await;
    assert!(body.contains("There is a problem") && body.contains("Enter the questionnaire's name"), "{body}");
    b.assert_accessible("a questionnaire with an error").await;
    b.assert_reflows("a questionnaire with an error").await;
    b.fill("name", "Getting out").await;
    b.click_button("Save questionnaire").await;
    assert_eq!(b.path().await, "/questionnaires/own_getting_out");
    let body = b.body().await;
    assert!(
        body.contains("Getting out saved, version 1") && body.contains("Never (1), Sometimes (2), Often (3)"),
        "{body}"
    );
    b.assert_accessible("a questionnaire").await;
    b.assert_reflows("a questionnaire").await;
    b.click_link("Change this questionnaire").await;
    assert_eq!(b.path().await, "/questionnaires/own_getting_out/edit");
    b.assert_accessible("a questionnaire to change").await;

    // The team's meaningful change for SWEMWBS, a wrong one named first.
    b.go("/questionnaires").await;
    b.click_link("Meaningful change thresholds").await;
    assert_eq!(b.path().await, "/questionnaires/thresholds");
    b.assert_accessible("the meaningful change thresholds").await;
    b.fill("swemwbs", "40").await;
    b.click_button("Save thresholds").await;
    assert!(b.body().await.contains("as a number more than 0 and at most 28"));
    b.assert_accessible("a threshold with an error").await;
    b.assert_reflows("a threshold with an error").await;
    b.fill("swemwbs", "2.5").await;
    b.click_button("Save thresholds").await;
    assert_eq!(b.path().await, "/questionnaires");
    assert!(b.body().await.contains("(1 set by your team)"));
}
