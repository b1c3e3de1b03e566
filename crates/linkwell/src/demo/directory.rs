//! The demo's community directory: about 150 listings across the Leeds postcode districts
//! the demo people live in — most running, some paused or closed, some not checked for
//! months — and the team's own groups (Walk and Talk every Tuesday at 10:00, Walking
//! Football, Buggy Talk, Seated Exercise and a Pain Café).
//!
//! The listings are data: `directory.csv`, a sheet in the import format anyone can load
//! with `linkwell import services` or the directory's import page, loaded here through
//! the same importer. The code adds what a sheet does not carry: the organisations' kinds
//! and descriptions (made first, so the sheet's rows find them by name), how long ago each
//! listing was checked, and the casework that uses the directory.

use jiff::civil::Date;
use jiff::civil::Weekday::{self, *};
use linkwell_domain::Version;
use linkwell_domain::directory::{LatLon, ProviderInput, ProviderKind};
use linkwell_domain::identity::EmailAddress;
use linkwell_domain::referrals::Need;
use linkwell_store::directory::PostcodeRow;
use linkwell_store::{Actor, Db, OrgScope};

/// Leeds postcode districts with their approximate centroids (WGS84) and an area name.
/// Real districts; the centroids are rounded to about 100 m, enough for "within 3 miles".
/// A deployment loads the full ONS Postcode Directory with `linkwell import postcodes`.
pub const DISTRICTS: &[(&str, f64, f64, &str)] = &[
    ("LS1", 53.7969, -1.5478, "City Centre"),
    ("LS2", 53.8016, -1.5436, "Woodhouse"),
    ("LS3", 53.8007, -1.5665, "Burley"),
    ("LS4", 53.8095, -1.5838, "Kirkstall"),
    ("LS5", 53.8196, -1.6048, "Hawksworth"),
    ("LS6", 53.8195, -1.5762, "Headingley"),
    ("LS7", 53.8206, -1.5356, "Chapel Allerton"),
    ("LS8", 53.8225, -1.5066, "Roundhay"),
    ("LS9", 53.8000, -1.5120, "Burmantofts"),
    ("LS10", 53.7700, -1.5320, "Hunslet"),
    ("LS11", 53.7760, -1.5540, "Beeston"),
    ("LS12", 53.7950, -1.5950, "Armley"),
    ("LS13", 53.8100, -1.6350, "Bramley"),
    ("LS14", 53.8230, -1.4620, "Seacroft"),
    ("LS15", 53.8030, -1.4480, "Cross Gates"),
    ("LS16", 53.8500, -1.5900, "Adel"),
    ("LS17", 53.8580, -1.5300, "Moortown"),
];

const PROVIDERS: &[(&str, ProviderKind, &str)] = &[
    ("Riverside Ramblers", ProviderKind::Voluntary, "Volunteer-led walks for all abilities."),
    ("Age Well Riverside", ProviderKind::Voluntary, "Friendship, activities and advice for people over 50."),
    ("Carers Together", ProviderKind::Voluntary, "Support and time out for unpaid carers."),
    ("Moneywise Advice Centre", ProviderKind::Voluntary, "Free, confidential advice on money, debt and benefits."),
    ("Chapel Allerton Community Association", ProviderKind::Community, "Runs the community centre and its groups."),
    ("Harehills Women's Centre", ProviderKind::Community, "A welcoming space for women and their children."),
    ("Armley Men's Shed", ProviderKind::Community, "Making, mending and company for men."),
    ("Beeston Community Garden", ProviderKind::Community, "A growing space run by local volunteers."),
    ("Seacroft Food Pantry", ProviderKind::Community, "Low-cost food and a café."),
    ("St Aidan's Church", ProviderKind::Faith, "A parish church with groups open to all."),
    ("Al-Noor Community Centre", ProviderKind::Faith, "A community centre open to all faiths and none."),
    ("Grace Baptist Church", ProviderKind::Faith, "Lunch clubs and warm spaces."),
    ("Good Grub Café CIC", ProviderKind::SocialEnterprise, "A community café teaching cooking on a budget."),
    ("Active Riverside Leisure", ProviderKind::SocialEnterprise, "Leisure centres and community sport."),
    ("Digital Friends", ProviderKind::Voluntary, "Patient help with phones, tablets and the internet."),
    ("Bereavement Circle", ProviderKind::Voluntary, "Peer support after the death of someone close."),
    ("City Library Service", ProviderKind::Statutory, "Libraries with free groups and computers."),
    ("Adult Learning Service", ProviderKind::Statutory, "Free and low-cost courses for adults."),
    ("Housing Options Team", ProviderKind::Statutory, "Help for people at risk of losing their home."),
    ("Talking Therapies", ProviderKind::Statutory, "NHS talking therapies for anxiety and depression."),
];

fn months_ago(today: Date, months: i64) -> Date {
    today.checked_sub(jiff::Span::new().months(months)).unwrap_or(today)
}

/// The listings, in the import format (organisation, name, needs, times, place, …).
const SHEET: &str = include_str!("directory.csv");

pub async fn seed(db: &Db, scope: &OrgScope, own_name: &str) -> anyhow::Result<()> {
    let actor = Actor::system();
    let today = linkwell_app::today();
    let rows: Vec<PostcodeRow> = DISTRICTS
        .iter()
        .filter_map(|(d, lat, lon, _)| Some(PostcodeRow { postcode: (*d).into(), point: LatLon::new(*lat, *lon)? }))
        .collect();
    db.import_postcodes(rows).await?;

    for (name, kind, description) in PROVIDERS {
        let input = ProviderInput {
            name: (*name).into(),
            kind: *kind,
            description: (*description).into(),
            website: Some(format!(
                "https://{}.example.org",
                name.to_lowercase().replace(|c: char| !c.is_ascii_alphanumeric(), "")
            )),
            email: None,
            phone: None,
        };
        db.create_provider(scope, &actor, &input).await?;
    }
    let own = ProviderInput {
        name: own_name.into(),
        kind: ProviderKind::Own,
        description: "The social prescribing team's own groups, run by link workers and volunteers.".into(),
        website: None,
        email: Some(EmailAddress::parse("wellbeing@riverside.example").map_err(|e| anyhow::anyhow!("{e}"))?),
        phone: Some("0113 496 0000".into()),
    };
    let own = db.create_provider(scope, &actor, &own).await?.id;

    let (report, saved) = linkwell_app::directory::csv::import(db, scope, &actor, SHEET.as_bytes(), today).await?;
    if !report.errors.is_empty() {
        anyhow::bail!("the demo directory sheet does not import: {}", report.errors.join("; "));
    }
    // The team checks its own groups every month; of the rest, most were checked within
    // the last four months, and about one in six not for seven months or more.
    for (n, id) in saved.iter().enumerate() {
        let s = db.service(scope, *id).await?;
        if s.provider_id == own {
            continue;
        }
        let checked =
            if n % 6 == 2 { months_ago(today, 7 + (n % 5) as i64) } else { months_ago(today, (n % 4) as i64) };
        db.verify_service(scope, &actor, *id, checked, "").await?;
    }
    casework(db, scope, today).await?;
    // Published: the public pages and the ORUK feed work from the start.
    let org = db.organisation(scope).await?;
    db.set_public_switch(
        scope,
        &actor,
        linkwell_store::organisations::PublicSwitch::Directory,
        true,
        Version(org.version),
    )
    .await?;
    Ok(())
}

/// The people being supported: when they are free; some connected to the team's groups at
/// every stage of following up; and needs nothing in the directory met.
async fn casework(db: &Db, scope: &OrgScope, today: Date) -> anyhow::Result<()> {
    use linkwell_domain::directory::{
        DayPart, PrescriptionInput, PrescriptionKind, PrescriptionOutcome, UnmetNeedInput, WeekSlot,
    };
    use linkwell_store::caseload::{ReferralFilter, ReferralOrder};
    let actor = Actor::system();
    let active = db
        .referral_summaries(
            scope,
            &ReferralFilter { statuses: vec!["active"], ..Default::default() },
            ReferralOrder::NEWEST,
            None,
            500,
        )
        .await?
        .items;
    let own = db.services_page(scope, &linkwell_store::directory::ServiceFilter::default(), 0, 500).await?.0;
    let group = |name: &str| own.iter().find(|s| s.name == name).map(|s| s.id);
    let groups = [group("Walk and Talk"), group("Seated Exercise"), group("Pain Café"), group("Walking Football")];
    let free_patterns: [&[(Weekday, DayPart)]; 4] = [
        &[(Tuesday, DayPart::Morning), (Thursday, DayPart::Afternoon)],
        &[(Monday, DayPart::Afternoon), (Wednesday, DayPart::Morning)],
        &[(Tuesday, DayPart::Morning), (Friday, DayPart::Morning), (Friday, DayPart::Afternoon)],
        &[(Thursday, DayPart::Evening)],
    ];
    for (i, r) in active.iter().enumerate() {
        let person = db.person(scope, r.person_id).await?;
        let slots = free_patterns[i % free_patterns.len()]
            .iter()
            .map(|(day, part)| WeekSlot { day: *day, part: *part })
            .collect();
        if person.free_times.is_empty() {
            db.set_free_times_and_circumstances(scope, &actor, person.id, Version(person.version), &slots, None)
                .await?;
        }
        // Two in three have been connected to one of the team's groups, over the last ten weeks.
        if i % 3 == 2 {
            continue;
        }
        let Some(service) = groups[i % groups.len()] else { continue };
        let days_ago = 3 + (i * 11 % 70) as i64;
        let input = PrescriptionInput {
            service_id: service,
            date: today.checked_sub(jiff::Span::new().days(days_ago)).unwrap_or(today),
            kind: [PrescriptionKind::Signposted, PrescriptionKind::Referred, PrescriptionKind::Accompanied][i % 3],
            notes: String::new(),
        };
        let rx = db.record_prescription(scope, &actor, r.id, r.person_id, &input).await?;
        // Older ones have an outcome; recent ones are still to be followed up.
        let outcome = match (days_ago, i % 5) {
            (0..=20, _) => None,
            (_, 0) => Some((PrescriptionOutcome::DidNotStart, "Found the first session too busy")),
            (43.., 1 | 2) => Some((PrescriptionOutcome::Attending6Weeks, "")),
            _ => Some((PrescriptionOutcome::Started, "")),
        };
        if let Some((o, why)) = outcome {
            let mut v = rx.version;
            if o == PrescriptionOutcome::Attending6Weeks {
                v = db
                    .record_prescription_outcome(
                        scope,
                        &actor,
                        rx.id,
                        Version(v),
                        PrescriptionOutcome::Started,
                        "",
                        today,
                        None,
                    )
                    .await?
                    .version;
            }
            // The demo's groups meet weekly and its outcomes are three weeks or more after
            // the connection, so none is before the group met: no first meeting to check.
            db.record_prescription_outcome(scope, &actor, rx.id, Version(v), o, why, today, None).await?;
        }
    }
    for (need, area, notes) in [
        (Need::Bereavement, "LS14", "No bereavement group within a bus ride of Seacroft"),
        (Need::Bereavement, "LS9", "Wanted a group for men after losing a partner"),
        (Need::Caring, "LS12", "Carers' group meets only in the daytime; she works"),
        (Need::DigitalInclusion, "LS11", "No digital help in Punjabi"),
        (Need::Housing, "LS8", "No drop-in housing advice in Roundhay"),
        (Need::PhysicalActivity, "LS6", "Wheelchair-accessible exercise class wanted"),
    ] {
        db.record_unmet_need(scope, &actor, None, &UnmetNeedInput { need, area: area.into(), notes: notes.into() })
            .await?;
    }
    Ok(())
}
