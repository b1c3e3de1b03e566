//! The demo's community directory: about 150 listings across the Leeds postcode districts
//! the demo people live in — most running, some paused or closed, some not checked for
//! months — and the team's own groups (Walk and Talk every Tuesday at 10:00, Walking
//! Football, Buggy Talk, Seated Exercise and a Pain Café).

use jiff::civil::{Date, Weekday};
use linkwell_domain::Version;
use linkwell_domain::directory::{
    ActivityType, ByDay, Cost, Freq, LatLon, LocationInput, ProviderInput, ProviderKind, Recurrence, Schedule,
    ServiceInput, ServiceStatus, Term,
};
use linkwell_domain::identity::EmailAddress;
use linkwell_domain::people::Postcode;
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

/// One kind of listing, placed in several areas.
struct Template {
    name: &'static str,
    description: &'static str,
    provider: usize,
    needs: &'static [Need],
    activities: &'static [ActivityType],
    day: Weekday,
    /// `0` weekly, `2` fortnightly, `-1`/`1..4` monthly on that week.
    pattern: i8,
    opens: (i8, i8),
    closes: (i8, i8),
    pence: Option<u32>,
    wheelchair: bool,
    ages: (Option<u8>, Option<u8>),
}

use ActivityType as A;
use Need as N;
use Weekday::*;

/// A row of the table below; positional, so each template reads as one line.
#[allow(clippy::too_many_arguments)]
const fn t(
    name: &'static str,
    description: &'static str,
    provider: usize,
    needs: &'static [Need],
    activities: &'static [ActivityType],
    day: Weekday,
    pattern: i8,
    opens: (i8, i8),
    closes: (i8, i8),
    pence: Option<u32>,
    wheelchair: bool,
    ages: (Option<u8>, Option<u8>),
) -> Template {
    Template { name, description, provider, needs, activities, day, pattern, opens, closes, pence, wheelchair, ages }
}

const TEMPLATES: &[Template] = &[
    t(
        "Health Walk",
        "A gentle hour's walk on paths, led by trained volunteers. Meet at the entrance.",
        0,
        &[N::PhysicalActivity, N::Loneliness],
        &[A::Walking],
        Tuesday,
        0,
        (10, 30),
        (11, 30),
        None,
        false,
        (None, None),
    ),
    t(
        "Nordic Walking",
        "Walking with poles for a full-body workout; poles provided for the first month.",
        0,
        &[N::PhysicalActivity],
        &[A::Walking, A::Sport],
        Saturday,
        0,
        (9, 30),
        (11, 0),
        Some(300),
        false,
        (Some(18), None),
    ),
    t(
        "Friendship Café",
        "Drop in for a cuppa, cake and a chat. Nobody is a stranger for long.",
        1,
        &[N::Loneliness],
        &[A::SocialClub],
        Wednesday,
        0,
        (10, 0),
        (12, 0),
        Some(150),
        true,
        (Some(50), None),
    ),
    t(
        "Lunch Club",
        "A hot two-course lunch and company, with transport for those who need it.",
        11,
        &[N::Loneliness, N::WeightEating],
        &[A::SocialClub, A::CookingFood],
        Thursday,
        0,
        (12, 0),
        (14, 0),
        Some(450),
        true,
        (Some(60), None),
    ),
    t(
        "Carers' Coffee Morning",
        "Time out for unpaid carers, with others who understand.",
        2,
        &[N::Caring, N::Loneliness],
        &[A::Carers, A::PeerSupport],
        Monday,
        1,
        (10, 0),
        (12, 0),
        None,
        true,
        (Some(18), None),
    ),
    t(
        "Money and Benefits Drop-in",
        "Free advice on benefits, debts, energy bills and budgeting. Bring any letters.",
        3,
        &[N::MoneyDebt],
        &[A::Advice],
        Monday,
        0,
        (13, 0),
        (16, 0),
        None,
        true,
        (Some(18), None),
    ),
    t(
        "Knit and Natter",
        "Knitting, crochet and conversation. Wool and needles provided.",
        4,
        &[N::Loneliness, N::MoodAnxietyStress],
        &[A::ArtsCrafts],
        Thursday,
        0,
        (14, 0),
        (16, 0),
        Some(100),
        true,
        (None, None),
    ),
    t(
        "Women's Wellbeing Circle",
        "A relaxed group for women to talk, try new things and make friends.",
        5,
        &[N::MoodAnxietyStress, N::Loneliness],
        &[A::PeerSupport],
        Friday,
        0,
        (10, 0),
        (12, 0),
        None,
        true,
        (Some(18), None),
    ),
    t(
        "Men's Shed",
        "Woodwork, repairs and a brew, shoulder to shoulder.",
        6,
        &[N::Loneliness, N::MoodAnxietyStress],
        &[A::ArtsCrafts, A::Volunteering],
        Wednesday,
        0,
        (10, 0),
        (15, 0),
        None,
        false,
        (Some(18), None),
    ),
    t(
        "Community Gardening",
        "Grow fruit and vegetables with neighbours; no experience needed.",
        7,
        &[N::MoodAnxietyStress, N::PhysicalActivity],
        &[A::GardeningNature, A::Volunteering],
        Saturday,
        0,
        (10, 0),
        (13, 0),
        None,
        false,
        (None, None),
    ),
    t(
        "Cook and Eat",
        "Learn to cook a healthy meal on a budget, then eat it together.",
        12,
        &[N::WeightEating, N::MoneyDebt],
        &[A::CookingFood, A::Learning],
        Tuesday,
        0,
        (18, 0),
        (20, 0),
        Some(200),
        true,
        (Some(16), None),
    ),
    t(
        "Community Choir",
        "Sing for fun; no auditions and no need to read music.",
        9,
        &[N::Loneliness, N::MoodAnxietyStress],
        &[A::MusicSinging],
        Monday,
        0,
        (19, 0),
        (21, 0),
        Some(300),
        true,
        (Some(16), None),
    ),
    t(
        "Chair-based Exercise",
        "Gentle exercise to music, seated or standing, at your own pace.",
        13,
        &[N::PhysicalActivity, N::LongTermCondition],
        &[A::Sport],
        Friday,
        0,
        (11, 0),
        (12, 0),
        Some(250),
        true,
        (Some(55), None),
    ),
    t(
        "Digital Drop-in",
        "Help with phones, tablets, email, NHS App and online forms.",
        14,
        &[N::DigitalInclusion],
        &[A::Digital, A::Learning],
        Wednesday,
        0,
        (14, 0),
        (16, 0),
        None,
        true,
        (None, None),
    ),
    t(
        "Bereavement Peer Support",
        "Meet others who have lost someone; listening, not advice.",
        15,
        &[N::Bereavement],
        &[A::PeerSupport],
        Tuesday,
        2,
        (18, 30),
        (20, 0),
        None,
        true,
        (Some(18), None),
    ),
    t(
        "Reading Group",
        "Read a book a month and talk about it over tea.",
        16,
        &[N::Loneliness],
        &[A::Learning, A::SocialClub],
        Thursday,
        2,
        (14, 0),
        (15, 30),
        None,
        true,
        (Some(16), None),
    ),
    t(
        "English Conversation Club",
        "Practise spoken English in a friendly group.",
        17,
        &[N::Employment, N::Loneliness],
        &[A::Learning],
        Friday,
        0,
        (13, 0),
        (14, 30),
        None,
        true,
        (Some(16), None),
    ),
    t(
        "Job Club",
        "CVs, applications and interview practice, one to one.",
        17,
        &[N::Employment, N::DigitalInclusion],
        &[A::Advice, A::Learning],
        Tuesday,
        0,
        (9, 30),
        (12, 0),
        None,
        true,
        (Some(16), None),
    ),
    t(
        "Housing Advice Surgery",
        "Advice for people worried about rent arrears, eviction or repairs.",
        18,
        &[N::Housing, N::MoneyDebt],
        &[A::Advice],
        Thursday,
        0,
        (9, 30),
        (12, 30),
        None,
        true,
        (Some(18), None),
    ),
    t(
        "Stress Control Course",
        "A six-week course of talks on managing stress; you never have to speak.",
        19,
        &[N::MoodAnxietyStress],
        &[A::Counselling, A::Learning],
        Wednesday,
        0,
        (18, 0),
        (19, 30),
        None,
        true,
        (Some(16), None),
    ),
    t(
        "Art Group",
        "Painting and drawing for beginners and the rusty.",
        10,
        &[N::MoodAnxietyStress, N::Loneliness],
        &[A::ArtsCrafts],
        Monday,
        0,
        (13, 30),
        (15, 30),
        Some(200),
        true,
        (None, None),
    ),
    t(
        "Tea Dance",
        "Ballroom and sequence dancing with tea and biscuits.",
        1,
        &[N::Loneliness, N::PhysicalActivity],
        &[A::Dance, A::SocialClub],
        Sunday,
        1,
        (14, 0),
        (16, 30),
        Some(400),
        true,
        (Some(50), None),
    ),
    t(
        "Parent and Baby Group",
        "Play, songs and a chat for parents and babies under one.",
        5,
        &[N::Loneliness, N::MoodAnxietyStress],
        &[A::ParentBaby],
        Thursday,
        0,
        (10, 0),
        (11, 30),
        None,
        true,
        (None, None),
    ),
    t(
        "Warm Space",
        "Somewhere warm to sit, with hot drinks, papers and Wi-Fi.",
        11,
        &[N::MoneyDebt, N::Loneliness],
        &[A::SocialClub],
        Friday,
        0,
        (10, 0),
        (15, 0),
        None,
        true,
        (None, None),
    ),
    t(
        "Volunteering Taster",
        "Try volunteering for an afternoon at the food pantry.",
        8,
        &[N::Employment, N::Loneliness],
        &[A::Volunteering],
        Wednesday,
        -1,
        (13, 0),
        (16, 0),
        None,
        false,
        (Some(16), None),
    ),
    t(
        "Walking Netball",
        "Netball at walking pace: no running, no jumping, plenty of laughs.",
        13,
        &[N::PhysicalActivity, N::Loneliness],
        &[A::Sport],
        Monday,
        0,
        (11, 0),
        (12, 0),
        Some(350),
        true,
        (Some(40), None),
    ),
];

/// `(name, description, needs, activities, day, pattern, opens, closes, district, place, address)`.
#[allow(clippy::type_complexity)]
const OWN_GROUPS: &[(&str, &str, &[Need], &[ActivityType], Weekday, i8, (i8, i8), (i8, i8), &str, &str, &str)] = &[
    (
        "Walk and Talk",
        "An easy walk round the park with a link worker, then a cuppa at the café. Go at your own pace; nobody is left behind.",
        &[N::Loneliness, N::PhysicalActivity, N::MoodAnxietyStress],
        &[A::Walking, A::PeerSupport],
        Tuesday,
        0,
        (10, 0),
        (11, 30),
        "LS8 2HH",
        "Roundhay Park, meet at the Lakeside Café",
        "Princes Avenue",
    ),
    (
        "Walking Football",
        "Football at walking pace for all fitness levels. Trainers are fine.",
        &[N::PhysicalActivity, N::Loneliness],
        &[A::Sport],
        Thursday,
        0,
        (18, 0),
        (19, 0),
        "LS11 5RU",
        "Beeston Sports Hall",
        "Town Street",
    ),
    (
        "Buggy Talk",
        "A walk with buggies and prams and a chat for new parents.",
        &[N::Loneliness, N::MoodAnxietyStress],
        &[A::Walking, A::ParentBaby],
        Wednesday,
        0,
        (10, 0),
        (11, 0),
        "LS6 2AB",
        "Woodhouse Moor, meet at the bandstand",
        "Clarendon Road",
    ),
    (
        "Seated Exercise",
        "Chair-based strength and balance exercises to music.",
        &[N::PhysicalActivity, N::LongTermCondition],
        &[A::Sport],
        Monday,
        0,
        (14, 0),
        (15, 0),
        "LS7 3QP",
        "Chapel Allerton Community Centre",
        "Town Street",
    ),
    (
        "Pain Café",
        "A relaxed monthly group for people living with long-term pain: share what helps, hear from a physiotherapist.",
        &[N::LongTermCondition, N::MoodAnxietyStress],
        &[A::PeerSupport],
        Friday,
        2,
        (13, 0),
        (14, 30),
        "LS9 7TA",
        "Burmantofts Health Centre",
        "Cromwell Mount",
    ),
];

fn recurrence(day: Weekday, pattern: i8) -> Recurrence {
    match pattern {
        0 => Recurrence::weekly(day),
        2 => Recurrence { interval: 2, ..Recurrence::weekly(day) },
        n => Recurrence { freq: Freq::Monthly, by_day: vec![ByDay { nth: Some(n), day }], ..Recurrence::weekly(day) },
    }
}

fn months_ago(today: Date, months: i64) -> Date {
    today.checked_sub(jiff::Span::new().months(months)).unwrap_or(today)
}

fn schedule(day: Weekday, pattern: i8, opens: (i8, i8), closes: (i8, i8), start: Date) -> anyhow::Result<Schedule> {
    Ok(Schedule::new(
        recurrence(day, pattern),
        start,
        jiff::civil::time(opens.0, opens.1, 0, 0),
        jiff::civil::time(closes.0, closes.1, 0, 0),
        None,
        None,
        String::new(),
    )?)
}

pub async fn seed(db: &Db, scope: &OrgScope, own_name: &str) -> anyhow::Result<()> {
    let actor = Actor::system();
    let today = linkwell_app::today();
    let rows: Vec<PostcodeRow> = DISTRICTS
        .iter()
        .filter_map(|(d, lat, lon, _)| Some(PostcodeRow { postcode: (*d).into(), point: LatLon::new(*lat, *lon)? }))
        .collect();
    db.import_postcodes(rows).await?;

    let mut providers = Vec::new();
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
        providers.push(db.create_provider(scope, &actor, &input).await?.id);
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

    // The team's own groups: always running, checked this month.
    for (name, description, needs, activities, day, pattern, opens, closes, postcode, place, address) in OWN_GROUPS {
        let postcode = Postcode::parse(postcode).map_err(|e| anyhow::anyhow!("{e}"))?;
        let mut input = ServiceInput {
            provider_id: own,
            name: (*name).into(),
            description: (*description).into(),
            url: None,
            email: Some(EmailAddress::parse("wellbeing@riverside.example").map_err(|e| anyhow::anyhow!("{e}"))?),
            phone: Some("0113 496 0000".into()),
            contact_name: "The wellbeing team".into(),
            minimum_age: Some(18),
            maximum_age: None,
            eligibility: "For people referred to the wellbeing service, and anyone who would like to come along."
                .into(),
            cost: Cost::Free,
            wheelchair: *name != "Walk and Talk",
            accessibility: if *name == "Walk and Talk" {
                "Flat tarmac paths; benches along the way.".into()
            } else {
                String::new()
            },
            languages: vec!["English".into()],
            terms: needs.iter().map(|n| Term::Need(*n)).chain(activities.iter().map(|a| Term::Activity(*a))).collect(),
            capacity: Some(20),
            full: false,
            locations: vec![LocationInput {
                id: None,
                name: (*place).into(),
                address: (*address).into(),
                town: "Leeds".into(),
                postcode: Some(postcode),
                point: None,
            }],
            schedules: vec![schedule(*day, *pattern, *opens, *closes, months_ago(today, 3))?],
        };
        db.locate_places(&mut input.locations).await?;
        input.terms.sort();
        db.create_service(scope, &actor, &input, today).await?;
    }

    // The wider directory: each template in several areas.
    let mut n = 0usize;
    for round in 0..6 {
        for (ti, tpl) in TEMPLATES.iter().enumerate() {
            if n >= 145 {
                break;
            }
            let (district, lat, lon, area) = DISTRICTS[(ti * 5 + round * 3) % DISTRICTS.len()];
            // Spread listings round the district centroid, within about half a mile.
            let jitter = |k: usize| ((k * 37 % 17) as f64 - 8.0) * 0.0009;
            let point = LatLon::new(lat + jitter(n), lon + jitter(n + 5) * 1.6);
            let postcode = Postcode::parse(&format!(
                "{district} {}{}{}",
                1 + n % 9,
                ["A", "B", "D", "E", "F", "G", "H", "J"][n % 8],
                ["L", "N", "P", "Q", "R", "S", "T", "U"][(n / 8) % 8]
            ))
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            let mut terms: Vec<Term> = tpl
                .needs
                .iter()
                .map(|x| Term::Need(*x))
                .chain(tpl.activities.iter().map(|a| Term::Activity(*a)))
                .collect();
            terms.sort();
            let input = ServiceInput {
                provider_id: providers[tpl.provider],
                name: format!("{} ({area})", tpl.name),
                description: tpl.description.into(),
                url: None,
                email: None,
                phone: Some(format!("0113 496 {:04}", 100 + n)),
                contact_name: String::new(),
                minimum_age: tpl.ages.0,
                maximum_age: tpl.ages.1,
                eligibility: String::new(),
                cost: match tpl.pence {
                    None => Cost::Free,
                    Some(p) => Cost::Paid { pence: Some(p), description: "per session".into() },
                },
                wheelchair: tpl.wheelchair,
                accessibility: String::new(),
                languages: if ti % 4 == 1 {
                    vec!["English".into(), "Urdu".into(), "Punjabi".into()]
                } else {
                    vec!["English".into()]
                },
                terms,
                capacity: (ti % 3 == 0).then_some(12 + (n % 20) as u32),
                // A few are full for now.
                full: n % 19 == 4,
                locations: vec![LocationInput {
                    id: None,
                    name: format!("{area} Community Centre"),
                    address: format!("{} Church Road", 1 + n % 60),
                    town: "Leeds".into(),
                    postcode: Some(postcode),
                    point,
                }],
                schedules: vec![schedule(tpl.day, tpl.pattern, tpl.opens, tpl.closes, months_ago(today, 12))?],
            };
            // Most were checked within the last four months; about one in six not for seven or more.
            let checked =
                if n % 6 == 2 { months_ago(today, 7 + (n % 5) as i64) } else { months_ago(today, (n % 4) as i64) };
            let s = db.create_service(scope, &actor, &input, checked).await?;
            if n % 13 == 5 {
                let restart =
                    n.is_multiple_of(2).then(|| today.checked_add(jiff::Span::new().months(2)).unwrap_or(today));
                db.set_service_status(
                    scope,
                    &actor,
                    s.id,
                    Version(s.version),
                    &ServiceStatus::Paused { restart },
                    "Volunteer leader stepped down",
                )
                .await?;
            } else if n % 17 == 9 {
                let reason = "The group stopped meeting after the pandemic".to_owned();
                db.set_service_status(scope, &actor, s.id, Version(s.version), &ServiceStatus::Closed { reason }, "")
                    .await?;
            }
            n += 1;
        }
    }
    // A walking group near Headingley that is paused: it must never be offered.
    let paused = ServiceInput {
        provider_id: providers[0],
        name: "Meanwood Valley Strollers".into(),
        description: "A Tuesday morning stroll along the valley trail.".into(),
        url: None,
        email: None,
        phone: None,
        contact_name: String::new(),
        minimum_age: None,
        maximum_age: None,
        eligibility: String::new(),
        cost: Cost::Free,
        wheelchair: false,
        accessibility: String::new(),
        languages: vec!["English".into()],
        terms: vec![Term::Need(N::Loneliness), Term::Need(N::PhysicalActivity), Term::Activity(A::Walking)],
        capacity: None,
        full: false,
        locations: vec![LocationInput {
            id: None,
            name: "Meanwood Park gates".into(),
            address: "Green Road".into(),
            town: "Leeds".into(),
            postcode: Some(Postcode::parse("LS6 4LD").map_err(|e| anyhow::anyhow!("{e}"))?),
            point: LatLon::new(53.8330, -1.5690),
        }],
        schedules: vec![schedule(Tuesday, 0, (10, 0), (11, 0), months_ago(today, 6))?],
    };
    let s = db.create_service(scope, &actor, &paused, months_ago(today, 1)).await?;
    db.set_service_status(
        scope,
        &actor,
        s.id,
        Version(s.version),
        &ServiceStatus::Paused { restart: None },
        "Path closed for repairs",
    )
    .await?;
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
            ReferralOrder::Newest,
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
        db.set_free_times(scope, &actor, person.id, Version(person.version), &slots).await?;
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
                    )
                    .await?
                    .version;
            }
            db.record_prescription_outcome(scope, &actor, rx.id, Version(v), o, why, today).await?;
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
