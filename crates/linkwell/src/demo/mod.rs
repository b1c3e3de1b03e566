//! The demo organisation: a primary care network with its practices, sites and rooms, and
//! a team in every role. Seeded once; `linkwell demo` reuses it afterwards.
//!
//! Later capabilities (referrals, sessions, the directory, groups, outcomes) add their
//! demo data here too, so the demo always shows the whole service.

use linkwell_domain::identity::{EmailAddress, Role, hash_password};
use linkwell_domain::organisations::PracticeInput;
use linkwell_domain::validation::required_text;
use linkwell_store::users::NewUser;
use linkwell_store::{Actor, Db, OrgScope, StoreError};

mod casework;
mod directory;
mod groups;
mod outcomes;

pub const SLUG: &str = "riverside-pcn";
pub const NAME: &str = "Riverside Primary Care Network";
/// Every demo login uses this password. Never use the demo database for real people.
pub const PASSWORD: &str = "riverside walk and talk";

/// Made-up practice names; the ODS codes are valid in format only.
const PRACTICES: &[&str] = &[
    "Abbey Lane Surgery",
    "Ashfield Medical Centre",
    "Beech Grove Practice",
    "Bridge Street Surgery",
    "Brookside Health Centre",
    "Canal View Medical Practice",
    "Castle Hill Surgery",
    "Chapel Road Practice",
    "Church View Medical Centre",
    "Clayton Park Surgery",
    "Cross Keys Practice",
    "Dale End Surgery",
    "Elm Tree Medical Centre",
    "Fairfield Health Centre",
    "Fern Bank Surgery",
    "Field House Practice",
    "Foundry Lane Medical Centre",
    "Glebe Surgery",
    "Greenway Practice",
    "Hawthorn Medical Centre",
    "Highfield Surgery",
    "Holly Bank Practice",
    "Kingsway Health Centre",
    "Larch Road Surgery",
    "Market Square Practice",
    "Meadowbank Surgery",
    "Mill Lane Medical Centre",
    "Northgate Practice",
    "Oakwood Surgery",
    "Orchard Health Centre",
    "Park View Practice",
    "Quarry Hill Surgery",
];

const STAFF: &[(&str, &str, Role)] = &[
    ("admin@riverside.example", "Priya Shah", Role::Admin),
    ("coordinator@riverside.example", "Tom Oduya", Role::Coordinator),
    ("coordinator2@riverside.example", "Helen Marsh", Role::Coordinator),
    ("worker@riverside.example", "Sam Fletcher", Role::LinkWorker),
    ("worker2@riverside.example", "Aisha Begum", Role::LinkWorker),
    ("worker3@riverside.example", "Dan Kowalski", Role::LinkWorker),
    ("worker4@riverside.example", "Grace Adeyemi", Role::LinkWorker),
    ("worker5@riverside.example", "Owen Price", Role::LinkWorker),
    ("worker6@riverside.example", "Mei Lin", Role::LinkWorker),
    ("facilitator@riverside.example", "Rob Haigh", Role::Facilitator),
    ("facilitator2@riverside.example", "Jo Brennan", Role::Facilitator),
    ("commissioner@riverside.example", "Ruth Ellison", Role::Commissioner),
];

/// Seed the demo organisation unless it exists, and return the banner with the logins.
pub async fn ensure(db: &Db) -> anyhow::Result<String> {
    match db.organisation_by_slug(SLUG).await {
        Ok(_) => {}
        Err(StoreError::NotFound) => seed(db).await?,
        Err(e) => return Err(e.into()),
    }
    Ok(banner())
}

pub async fn seed(db: &Db) -> anyhow::Result<()> {
    let org = db.create_organisation(SLUG, NAME, true).await?;
    let scope = OrgScope::new(org.id);
    let actor = Actor::system();
    // One hash for every demo login: hashing is deliberately slow.
    let hash = hash_password(PASSWORD).map_err(|e| anyhow::anyhow!("{e}"))?;

    let mut practices = Vec::new();
    for (i, name) in PRACTICES.iter().enumerate() {
        let input = PracticeInput::parse(name, &format!("B86{:03}", i + 1)).map_err(|e| anyhow::anyhow!("{e:?}"))?;
        let p = db.create_practice(&scope, &actor, &input).await?;
        let site =
            db.create_site(&scope, &actor, Some(p.id), name, &format!("{} Road, Riverside", 10 + i), None).await?;
        db.create_room(&scope, &actor, site.id, "Wellbeing room").await?;
        if i % 4 == 0 {
            db.create_room(&scope, &actor, site.id, "Consulting room 3").await?;
        }
        practices.push(p);
    }
    let hub = db.create_site(&scope, &actor, None, "Riverside Community Hub", "1 Canal Wharf, Riverside", None).await?;
    db.create_room(&scope, &actor, hub.id, "Meeting room").await?;
    db.create_room(&scope, &actor, hub.id, "Garden room").await?;

    for (email, name, role) in STAFF {
        let new = NewUser {
            email: EmailAddress::parse(email).map_err(|e| anyhow::anyhow!("{e}"))?,
            display_name: required_text("name", name, 100).map_err(|e| anyhow::anyhow!(e))?,
            role: *role,
            practice_id: None,
            password_hash: hash.clone(),
        };
        db.create_user(&scope, &actor, &new).await?;
    }
    let mut referrers = Vec::new();
    for (i, p) in practices.iter().enumerate() {
        let new = NewUser {
            email: EmailAddress::parse(&format!("gp{}@riverside.example", i + 1))
                .map_err(|e| anyhow::anyhow!("{e}"))?,
            display_name: format!("Dr {} (referrer)", p.name.split(' ').next().unwrap_or("Riverside")),
            role: Role::Referrer,
            practice_id: Some(p.id),
            password_hash: hash.clone(),
        };
        referrers.push(db.create_user(&scope, &actor, &new).await?);
    }
    casework::seed(db, &scope, &practices, &referrers).await?;
    directory::seed(db, &scope, NAME).await?;
    groups::seed(db, &scope).await
}

pub fn banner() -> String {
    let mut b = format!("\nDemo organisation: {NAME}\nEvery demo login has the password: {PASSWORD}\n\n");
    for (email, name, role) in STAFF.iter().filter(|(e, ..)| !e.chars().any(|c| c.is_ascii_digit())) {
        b.push_str(&format!("  {:<14} {email:<34} ({name})\n", role.label()));
    }
    b.push_str(&format!(
        "  {:<14} {:<34} (and gp2 … gp{} for the other practices)\n",
        "Referrer",
        "gp1@riverside.example",
        PRACTICES.len()
    ));
    b.push_str(&format!("\nThe public directory: /community/{SLUG}   Its Open Referral UK feed: /oruk/{SLUG}/\n"));
    b
}
