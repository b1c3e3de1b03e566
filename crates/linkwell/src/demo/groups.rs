//! The team's own groups (PRODUCT.md §1) with a year behind them: Walk and Talk with over a
//! hundred members and its registers, a few weeks called off for the weather, a waiting
//! list on Seated Exercise, feedback given on the day, two members' stories given with
//! their consent, and the people the link workers connected to a group signed up to it.

use jiff::civil::Date;
use jiff::{Span, Timestamp};
use linkwell_domain::groups::feedback::{Feedback, Rating};
use linkwell_domain::groups::members::{JoinRoute, MemberChannel, NewMember};
use linkwell_domain::groups::registers::Register;
use linkwell_domain::groups::sessions::SessionChange;
use linkwell_domain::groups::stories::{NewStory, StoryDisplay};
use linkwell_domain::groups::{GroupFields, GroupSettings};
use linkwell_domain::identity::Role;
use linkwell_domain::{ServiceId, Version};
use linkwell_store::group_members::{Joining, Notice};
use linkwell_store::users::UserFilter;
use linkwell_store::{Actor, Db, OrgScope};

const FIRST_NAMES: [&str; 24] = [
    "Ann", "Bill", "Carol", "Dev", "Edna", "Frank", "Gita", "Harry", "Irene", "Jas", "Kath", "Len", "Maureen", "Nasir",
    "Olive", "Pat", "Rita", "Sunil", "Tess", "Umar", "Val", "Wendy", "Yusuf", "Zena",
];
const INITIALS: &str = "ABCDEFGHJKLMNPRSTW";

/// (name, members, what to bring, wet weather, public).
const GROUPS: [(&str, usize, &str, &str, bool); 6] = [
    ("Walk and Talk", 112, "Comfortable shoes and a waterproof", "The Lakeside Café's back room", true),
    ("Seated Exercise", 15, "Water and loose clothing", "", true),
    ("Walking Football", 18, "Trainers (no studs)", "", true),
    ("Buggy Talk", 14, "Your buggy or sling", "The children's centre on Clarendon Road", true),
    ("Pain Café", 16, "", "", false),
    ("Active Sky Blues", 22, "Trainers and water", "The stadium's indoor hall", true),
];

/// What a demo member would be told: nothing is sent (their consent is off), so nothing.
fn quiet(_: &linkwell_store::group_members::Member, _: &linkwell_domain::identity::Secret) -> Notice {
    Notice { subject: String::new(), body: String::new(), purpose: "group_joined" }
}

fn err(e: impl std::fmt::Debug) -> anyhow::Error {
    anyhow::anyhow!("{e:?}")
}

fn at(d: Date) -> i64 {
    linkwell_domain::time::london_day_start(d)
}

/// Whether member `m` came to session `s`: about two in three, steadier for some.
fn came(m: usize, s: usize) -> bool {
    (m * 7 + s * 13 + m * s) % 10 < if m.is_multiple_of(4) { 9 } else { 6 }
}

pub async fn seed(db: &Db, scope: &OrgScope) -> anyhow::Result<()> {
    let actor = Actor::system();
    let today = linkwell_app::today();
    let year_ago = today.checked_sub(Span::new().years(1)).map_err(err)?;
    let listings = db.services_page(scope, &linkwell_store::directory::ServiceFilter::default(), 0, 500).await?.0;
    let filter = UserFilter { role: Some(Role::Facilitator), disabled: Some(false), search: None };
    let facilitators: Vec<_> = db.users_by_name_page(scope, &filter, None, 10).await?.iter().map(|u| u.id).collect();
    for (g, (name, members, bring, wet, public)) in GROUPS.iter().enumerate() {
        let Some(summary) = listings.iter().find(|l| l.name == *name) else { continue };
        let listing = db.service(scope, summary.id).await?;
        let fields = GroupFields {
            public_join: *public,
            what_to_bring: (*bring).into(),
            wet_weather: (*wet).into(),
            risk_assessment: "Reviewed with the venue; first aider and kit on site".into(),
            risk_review_due: today.checked_add(Span::new().months(3 + g as i64)).map_err(err)?.to_string(),
        };
        db.create_group(scope, &actor, listing.id, &GroupSettings::parse(&fields).map_err(err)?).await?;
        let lead = &facilitators[..facilitators.len().min(if g == 0 { 2 } else { 1 })];
        db.set_group_facilitators(scope, &actor, listing.id, Version(1), lead).await?;

        // A year of sessions, as the schedule gave them.
        let planned = linkwell_app::groups::planned_between(
            &listing,
            year_ago,
            linkwell_domain::groups::sessions::horizon_end(today),
        );
        let long_ago = Timestamp::from_millisecond(at(year_ago)).map_err(err)?;
        db.regenerate_group_sessions(scope, &actor, listing.id, year_ago, &planned, long_ago).await?;
        let sessions = db.group_sessions(scope, listing.id, year_ago, today.yesterday().map_err(err)?).await?;
        // Walk and Talk was called off for the weather a few times.
        let mut cancelled = vec![];
        if g == 0 {
            for s in sessions.iter().filter(|s| s.on_date.month() <= 2 || s.on_date.month() == 11).step_by(3) {
                let change = SessionChange::Cancel { reason: "Heavy rain: the park paths are flooded".into() };
                db.change_group_session(scope, &actor, s.id, Version(s.version), &change, &quiet).await?;
                cancelled.push(s.id);
            }
        }

        // Members who joined over the year; a waiting list where the group is full.
        let mut joined = vec![];
        for m in 0..*members {
            let new = NewMember {
                first_name: FIRST_NAMES[(m + g * 5) % FIRST_NAMES.len()].into(),
                last_initial: INITIALS.chars().nth((m * 7 + g) % INITIALS.len()).map(String::from).unwrap_or_default(),
                email: (m % 3 != 0).then(|| format!("member{g}.{m}@people.example")),
                phone: (m % 3 == 0).then(|| format!("07700 9{g}{m:04}")),
                channel: if m % 3 == 0 { MemberChannel::Sms } else { MemberChannel::Email },
                // Demo members are never messaged: no address here is real.
                consent_contact: false,
                access_needs: m % 9 == 4,
                emergency_contact: (m % 5 == 1).then(|| "Next of kin on 07700 900123".into()),
            };
            let route = match m % 6 {
                0 => JoinRoute::WalkIn,
                1 | 3 => JoinRoute::Public,
                _ => JoinRoute::Staff,
            };
            let joining = Joining { member: &new, route, person: None, once_per_contact: false };
            let member = db.join_group(scope, &actor, listing.id, &joining, &quiet).await?;
            // Spread over the year, the first two dozen from the start.
            let day = if m < 24 { 0 } else { (m as i64 * 300) / (*members as i64).max(1) };
            let when = at(year_ago.checked_add(Span::new().days(day)).map_err(err)?) + 9 * 3_600_000;
            if member.status == linkwell_domain::groups::members::MemberStatus::Member {
                db.record_joined_at(scope, &actor, member.id, when).await?;
                joined.push((member.id, when));
            }
        }
        // Registers of every session held, two in three coming.
        for (n, s) in sessions.iter().enumerate() {
            if cancelled.contains(&s.id) {
                continue;
            }
            let attended = joined
                .iter()
                .enumerate()
                .filter(|(m, (_, when))| *when <= s.starts_at && came(*m, n))
                .map(|(_, (id, _))| *id)
                .collect();
            let note = if s.on_date.month() >= 6 && s.on_date.month() <= 8 { "Sunny" } else { "Dry and cold" };
            let register = Register { key: format!("demo-{}", s.id), attended, note: note.into() };
            db.take_register(scope, &actor, s.id, &register, facilitators.first().copied()).await?;
            // What people said on the day, every fourth session.
            if let (true, Some(by)) = (n % 4 == 1, facilitators.first()) {
                for k in 0..1 + (n + g) % 3 {
                    let (rating, comment) = SAID[(n + k * 5 + g) % SAID.len()];
                    let feedback = Feedback {
                        rating: Rating::new(rating).ok_or_else(|| err(rating))?,
                        comment: comment.into(),
                        key: None,
                    };
                    db.record_feedback(scope, &actor, s.id, &feedback, *by).await?;
                }
            }
        }
        // Two members of Walk and Talk gave their stories, and agreed to them being used.
        if g == 0 {
            for (m, (story, display)) in STORIES.iter().enumerate() {
                let Some((member, _)) = joined.get(m * 3) else { continue };
                let given_on = today.checked_sub(Span::new().days(40 - 25 * m as i64)).map_err(err)?;
                let new = NewStory { member: *member, story: (*story).into(), given_on, display: *display };
                db.record_story(scope, &actor, listing.id, &new, facilitators.first().copied()).await?;
            }
        }
    }
    prescribed(db, scope, &actor).await
}

/// Feedback people gave on the day, as the facilitator wrote it down.
const SAID: [(i64, &str); 8] = [
    (5, "Lovely walk, and the quiz after was a laugh"),
    (5, ""),
    (4, "Good pace for me; more benches on the route would help"),
    (5, "It's the one morning a week I look forward to"),
    (3, "Too cold today, but good to see everyone"),
    (4, ""),
    (5, "Met a neighbour I hadn't spoken to in years"),
    (4, "Warm drinks afterwards made it"),
];

/// Stories two members gave, with what they agreed may be shown.
const STORIES: [(&str, StoryDisplay); 2] = [
    (
        "After my husband died I stopped going out. My link worker told me about the Walk and Talk, and now Tuesday is the day I plan my week around. I've made friends I see outside the group too.",
        StoryDisplay::FirstName,
    ),
    (
        "I was nervous about coming on my own, but the facilitators made me feel welcome straight away. My sleep is better and I'm walking most days now.",
        StoryDisplay::Anonymous,
    ),
];

/// The people the link workers connected to one of the team's groups are members of it,
/// from the day they were connected.
async fn prescribed(db: &Db, scope: &OrgScope, actor: &Actor) -> anyhow::Result<()> {
    use linkwell_store::caseload::{ReferralFilter, ReferralOrder};
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
    let groups: Vec<ServiceId> = db.groups(scope).await?.iter().map(|g| g.service_id).collect();
    for r in active {
        for rx in db.prescriptions_for_referral(scope, r.id).await? {
            if !groups.contains(&rx.service_id)
                || rx.outcome == Some(linkwell_domain::directory::PrescriptionOutcome::DidNotStart)
            {
                continue;
            }
            let person = db.person(scope, rx.person_id).await?;
            let new = NewMember {
                first_name: person.given_name.clone(),
                last_initial: person.family_name.chars().next().map(String::from).unwrap_or_default(),
                email: person.email.clone(),
                phone: person.phone.clone(),
                channel: MemberChannel::Email,
                consent_contact: false,
                access_needs: !person.access_needs.is_empty(),
                emergency_contact: None,
            };
            let joining = Joining {
                member: &new,
                route: JoinRoute::Prescription,
                person: Some((person.id, rx.id)),
                once_per_contact: false,
            };
            match db.join_group(scope, actor, rx.service_id, &joining, &quiet).await {
                Ok(m) if m.status == linkwell_domain::groups::members::MemberStatus::Member => {
                    db.record_joined_at(scope, actor, m.id, at(rx.prescribed_on) + 10 * 3_600_000).await?;
                }
                Ok(_) | Err(linkwell_store::StoreError::Duplicate { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
    Ok(())
}
