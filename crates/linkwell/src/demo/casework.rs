//! The demo's casework: the Primary Care Wellbeing Project (1 initial session of 45
//! minutes, up to 5 follow-ups of 30) and ~300 people referred by the practices over the
//! last three months, in every state of the lifecycle, with sessions past and future,
//! plans (some reviews overdue) and discharge summaries.
//!
//! Everything goes through the same storage API as the service itself, so the demo's
//! data obeys the same rules (limits, working hours, no double-booking) and is audited.

use jiff::civil::Weekday;
use jiff::civil::{Date, Time};
use jiff::{Span, Timestamp, ToSpan};
use linkwell_domain::directory::{Audience, DayPart, WeekSlot};
use linkwell_domain::identity::Role;
use linkwell_domain::people::{ContactChannel, NhsNumber, PersonFields, PersonInput};
use linkwell_domain::plans::{ActionFields, GoalFields, Plan, PlanFields};
use linkwell_domain::referrals::{ContactOutcome, DischargeReason, Need, ReferralFields, ReferralInput};
use linkwell_domain::sessions::{Outcome, ProgrammeRules, SessionKind, SessionMode, SessionNotes, london_instant};
use linkwell_domain::time::{DateEntry, london};
use linkwell_domain::{UserId, Version};
use linkwell_store::practices::Practice;
use linkwell_store::referrals::{Change, NewReferral, Referral};
use linkwell_store::sessions::{BookingProblem, NewSession};
use linkwell_store::users::User;
use linkwell_store::{Actor, Db, OrgScope};

/// How many people the demo refers.
pub const PEOPLE: usize = 300;

const GIVEN: &[&str] = &[
    "Margaret", "Albert", "Priya", "Tomasz", "Grace", "Kwame", "Doreen", "Imran", "Siobhan", "Derek", "Aisha", "Frank",
    "Lin", "Patricia", "Olu", "Hannah", "Stanley", "Fatima", "Gareth", "Joan", "Yusuf", "Beryl", "Chidi", "Elaine",
    "Mohammed", "Sandra", "Piotr", "Maureen", "Dev", "Rita",
];
const FAMILY: &[&str] = &[
    "Oakes", "Njoku", "Sharma", "Nowak", "Mensah", "Boateng", "Hughes", "Hussain", "Byrne", "Walsh", "Rahman",
    "Clarke", "Chen", "Doyle", "Adeyemi", "Price", "Lowe", "Begum", "Evans", "Kaur", "Ali", "Shaw", "Okafor", "Reid",
    "Iqbal", "Turner", "Kowalski", "Fox", "Patel", "Moss", "Grant",
];
/// Real postcode districts of the demo's made-up area, with made-up inward codes.
const POSTCODES: &[&str] = &["LS6 2AB", "LS6 4DT", "LS7 3QP", "LS8 1HW", "LS9 7TA", "LS11 5RU", "LS12 3BX", "ZZ99 3VZ"];
const GOALS: &[&str] = &[
    "Join the Walk and Talk group on Tuesdays",
    "Get advice about the debt letters",
    "Meet up with someone at least once a week",
    "Try the seated exercise class",
    "Sleep better by winding down without the phone",
    "Go to the bereavement café",
    "Learn to video-call my grandchildren",
    "Find volunteering two mornings a week",
];

/// The states the 300 people are in, and how many of each.
const STATES: &[(&str, usize)] = &[
    ("received", 24),
    ("accepted", 14),
    ("contacting", 14),
    ("unable_to_contact", 10),
    ("declined", 8),
    ("redirected", 6),
    ("active", 150),
    ("discharged", 74),
];

// The states add up to the demo's size.
const _: () = {
    let (mut total, mut k) = (0, 0);
    while k < STATES.len() {
        total += STATES[k].1;
        k += 1;
    }
    assert!(total == PEOPLE);
};

fn err(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}

/// Valid test-range NHS numbers (999 …), as the demo organisation is in test mode.
fn nhs_numbers() -> impl Iterator<Item = String> {
    (9_990_000_000u64..9_999_999_999).step_by(7).filter_map(|n| {
        let s = n.to_string();
        NhsNumber::parse(&s, true).ok().map(|_| s)
    })
}

/// Hands out free slots in each worker's week (09:30 to 15:30, on the half hour), so
/// sessions never clash and each person's sessions fall a week apart.
struct Diary {
    today: Date,
    used: std::collections::HashMap<(UserId, Date), i8>,
}

impl Diary {
    /// A free slot for `worker` around `weeks` weeks from today (negative: in the past),
    /// `spread` days earlier in that week; weekends and full days move to another weekday,
    /// away from today.
    fn book(&mut self, worker: UserId, weeks: i64, spread: i64) -> anyhow::Result<Timestamp> {
        let past = weeks < 0;
        let mut d = self.today.checked_add((weeks * 7 - spread).days()).map_err(err)?;
        loop {
            let step = |d: Date| if past { d.yesterday() } else { d.tomorrow() };
            if d.weekday().to_monday_one_offset() > 5 || (past && d >= self.today) || (!past && d <= self.today) {
                d = step(d).map_err(err)?;
                continue;
            }
            let used = self.used.entry((worker, d)).or_insert(0);
            if *used < 7 {
                let hour = 9 + *used;
                *used += 1;
                return london_instant(d, Time::new(hour, 30, 0, 0).map_err(err)?, None).map_err(err);
            }
            d = step(d).map_err(err)?;
        }
    }
}

pub async fn seed(db: &Db, scope: &OrgScope, practices: &[Practice], referrers: &[User]) -> anyhow::Result<()> {
    let actor = Actor::system();
    let programme = db
        .create_programme_funded(
            scope,
            &actor,
            "Primary Care Wellbeing Project",
            ProgrammeRules::default(),
            "Riverside ICB",
            Some((jiff::civil::date(2026, 4, 1), jiff::civil::date(2028, 3, 31))),
        )
        .await?;
    for tool in [
        "Five ways to wellbeing",
        "Sleep diary",
        "Breathing exercises (Every Mind Matters)",
        "Money worries toolkit",
        "Walking for health leaflet",
    ] {
        db.add_tool(scope, &actor, tool).await?;
    }
    let workers: Vec<User> =
        db.users_by_name(scope).await?.into_iter().filter(|u| u.role == Role::LinkWorker).collect();
    let rooms: Vec<_> = db.sites_with_rooms(scope).await?;
    let now = jiff::Zoned::now().with_time_zone(london());
    let mut diary = Diary { today: now.date(), used: Default::default() };
    // Each person's sessions a week apart, the weeks counted back from the last.
    let mut nhs = nhs_numbers();
    let states = STATES.iter().flat_map(|(s, n)| std::iter::repeat_n(*s, *n));
    let mut walker_seeded = false;
    for (i, state) in states.enumerate() {
        // The users' example, on the first active case: Edith Marsh, 68 and widowed, lonely
        // and wanting to be more active, free on Tuesday and Thursday mornings. A walk
        // meeting both needs should be her first suggestion; a parent and baby group never.
        let walker = state == "active" && !walker_seeded;
        walker_seeded |= walker;
        let practice = &practices[i % practices.len()];
        let referrer = &referrers[i % referrers.len()];
        let worker = &workers[i % workers.len()];
        let fields = PersonFields {
            nhs_number: if i % 9 == 4 { String::new() } else { nhs.next().unwrap_or_default() },
            given_name: GIVEN[(i * 11 + i / 6) % GIVEN.len()].into(),
            family_name: FAMILY[(i * 7 + i / GIVEN.len()) % FAMILY.len()].into(),
            date_of_birth: DateEntry::boxes(
                &(1 + i % 28).to_string(),
                &(1 + i % 12).to_string(),
                &(1936 + (i * 13) % 70).to_string(),
            ),
            sex: if i % 2 == 0 { "female" } else { "male" }.into(),
            postcode: POSTCODES[i % POSTCODES.len()].into(),
            phone: format!("07700 900{:03}", i % 1000),
            preferred_channel: ["phone", "sms", "phone", "letter"][i % 4].into(),
            access_needs: if i % 11 == 0 { "Large print letters, please".into() } else { String::new() },
            practice_id: practice.id.to_string(),
            consent_contact: true,
            consent_share: i % 5 != 0,
            consent_share_practice: i % 4 != 0,
            consent_feedback: i % 3 != 0,
            ..Default::default()
        };
        let fields = if walker {
            let born = now.date().checked_sub(68.years().days(100)).map_err(err)?;
            PersonFields {
                given_name: "Edith".into(),
                family_name: "Marsh".into(),
                date_of_birth: DateEntry::boxes(
                    &born.day().to_string(),
                    &born.month().to_string(),
                    &born.year().to_string(),
                ),
                sex: "female".into(),
                postcode: POSTCODES[0].into(),
                ..fields
            }
        } else {
            fields
        };
        let person = PersonInput::parse(&fields, true, now.date()).map_err(|e| anyhow::anyhow!("{e:?}"))?;
        let person = db.create_person(scope, &actor, &person).await?;
        let needs = if walker {
            let free = [
                WeekSlot { day: Weekday::Tuesday, part: DayPart::Morning },
                WeekSlot { day: Weekday::Thursday, part: DayPart::Morning },
            ]
            .into();
            db.set_free_times_and_circumstances(
                scope,
                &actor,
                person.id,
                Version(person.version),
                &free,
                Some(&[Audience::Bereaved].into()),
            )
            .await?;
            [Need::Loneliness, Need::PhysicalActivity]
        } else {
            [Need::ALL[i % Need::ALL.len()], Need::ALL[(i * 5 + 3) % Need::ALL.len()]]
        };
        let referral = ReferralInput::parse(&ReferralFields {
            source: ["gp", "gp", "practice_nurse", "pharmacist", "other_primary_care"][i % 5].into(),
            needs: needs.iter().map(|n| n.code().to_owned()).collect(),
            urgency: ["routine", "routine", "soon", "urgent"][i % 4].into(),
            risk_flags: if i % 17 == 0 {
                "Lives with a large dog: phone before visiting".into()
            } else {
                String::new()
            },
            safeguarding: i % 29 == 0,
            free_text: "Referred after a GP appointment; would like help to get out and about again.".into(),
            consent_confirmed: true,
        })
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        // Received over the last three months: the waiting ones most recently.
        let days_ago = if matches!(state, "received" | "accepted" | "contacting") {
            (i % 20) as i64
        } else {
            20 + (i % 70) as i64
        };
        let received = now.checked_sub(days_ago.days()).map_err(err)?.timestamp().as_millisecond();
        let r = db
            .create_referral(
                scope,
                &actor,
                &NewReferral {
                    referrer: Some(referrer.id),
                    practice: Some(practice.id),
                    received_at: Some(received),
                    ..NewReferral::new(person.id, programme.id, &referral)
                },
            )
            .await?;
        let mut step = Stepper { db, scope, actor: &actor, r };
        match state {
            "received" => {}
            "declined" => {
                step.go(Change::Decline { reason: "Needs are clinical: advised to see the GP".into() }).await?
            }
            "redirected" => step.go(Change::Redirect { to: "Citizens Advice Riverside".into() }).await?,
            _ => {
                step.go(Change::Accept { worker: worker.id }).await?;
                match state {
                    "accepted" => {}
                    "contacting" => step.failed_attempt().await?,
                    "unable_to_contact" => {
                        for _ in 0..programme.rules.contact_attempt_limit {
                            step.failed_attempt().await?;
                        }
                    }
                    _ => {
                        step.go(Change::contact_attempt(ContactChannel::Phone, ContactOutcome::Reached)).await?;
                        let discharged = state == "discharged";
                        let held = if discharged { 3 + i % 4 } else { 1 + i % 4 };
                        for k in 0..held {
                            let kind = if k == 0 { SessionKind::Initial } else { SessionKind::FollowUp };
                            let at = diary.book(worker.id, -((held - k) as i64), (i % 5) as i64)?;
                            let s = book(db, scope, &actor, &step.r, worker.id, kind, at, i + k, &rooms).await?;
                            let outcome =
                                if k > 0 && (i + k) % 7 == 0 { Outcome::DidNotAttend } else { Outcome::Attended };
                            let notes = SessionNotes::parse(if outcome == Outcome::Attended {
                                "Talked through what matters and next steps."
                            } else {
                                ""
                            })
                            .map_err(anyhow::Error::msg)?;
                            db.record_session_outcome(scope, &actor, s.id, Version(s.version), outcome, &notes).await?;
                            if outcome == Outcome::Attended {
                                if k == 0 {
                                    super::outcomes::baseline(db, scope, &step.r, &s, i, now.date()).await?;
                                } else if discharged && k == held - 1 {
                                    super::outcomes::discharge(db, scope, &step.r, &s, i, now.date()).await?;
                                } else if k == 2 {
                                    super::outcomes::review(db, scope, &step.r, &s, i, now.date()).await?;
                                }
                            }
                        }
                        plan(db, scope, &actor, &step.r, i, now.date()).await?;
                        if discharged {
                            let reason = DischargeReason::ALL[[0, 0, 0, 1, 2, 3, 4][i % 7]];
                            step.go(Change::Discharge {
                                reason,
                                summary: "Connected with community groups; feeling more confident.".into(),
                            })
                            .await?;
                        } else {
                            // Next week or the week after (not tied to which worker has the person).
                            let at = diary.book(worker.id, 1 + ((i / 7) % 2) as i64, (i % 5) as i64)?;
                            book(db, scope, &actor, &step.r, worker.id, SessionKind::FollowUp, at, i, &rooms).await?;
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

/// Moves one referral through its lifecycle, keeping its current version.
struct Stepper<'a> {
    db: &'a Db,
    scope: &'a OrgScope,
    actor: &'a Actor,
    r: Referral,
}

impl Stepper<'_> {
    async fn go(&mut self, change: Change) -> anyhow::Result<()> {
        self.r = self.db.change_referral(self.scope, self.actor, self.r.id, Version(self.r.version), change).await?;
        Ok(())
    }

    async fn failed_attempt(&mut self) -> anyhow::Result<()> {
        self.go(Change::contact_attempt(ContactChannel::Phone, ContactOutcome::NoAnswer)).await
    }
}

/// Book a session: every third in person in the practice's room (by phone if the room is
/// taken), the rest by phone or video.
#[allow(clippy::too_many_arguments)]
async fn book(
    db: &Db,
    scope: &OrgScope,
    actor: &Actor,
    r: &Referral,
    worker: UserId,
    kind: SessionKind,
    starts: Timestamp,
    seed: usize,
    rooms: &[(linkwell_store::practices::Site, Vec<linkwell_store::practices::Room>)],
) -> anyhow::Result<linkwell_store::sessions::Session> {
    let room = rooms
        .iter()
        .find(|(site, _)| site.practice_id == r.practice_id)
        .and_then(|(_, rs)| rs.first())
        .map(|room| room.id);
    let in_person = seed.is_multiple_of(3) && room.is_some();
    let mode = if in_person { SessionMode::InPerson } else { [SessionMode::Telephone, SessionMode::Video][seed % 2] };
    let new = NewSession {
        referral_id: r.id,
        worker_id: worker,
        kind,
        mode,
        room_id: room.filter(|_| in_person),
        starts,
        reminder: None,
    };
    match db.book_session(scope, actor, &new).await {
        Ok(s) => Ok(s),
        Err(BookingProblem::RoomBusy) => {
            let by_phone = NewSession { mode: SessionMode::Telephone, room_id: None, ..new };
            db.book_session(scope, actor, &by_phone).await.map_err(err)
        }
        Err(e) => Err(err(e)),
    }
}

/// A plan with two goals; every fifth person's review is overdue.
async fn plan(db: &Db, scope: &OrgScope, actor: &Actor, r: &Referral, i: usize, today: Date) -> anyhow::Result<()> {
    let review = if i.is_multiple_of(5) {
        today.checked_sub(Span::new().days(3))
    } else {
        today.checked_add(Span::new().days(21))
    };
    let fields = PlanFields {
        what_matters: "Feeling part of things again, and getting out of the house".into(),
        strengths: "Good sense of humour; close to a neighbour".into(),
        needs: r.needs.iter().map(|n| n.code().to_owned()).collect(),
        goals: vec![
            GoalFields {
                text: GOALS[i % GOALS.len()].into(),
                progress: ((i % 6) + 2).to_string(),
                ..Default::default()
            },
            GoalFields {
                text: GOALS[(i + 3) % GOALS.len()].into(),
                progress: (i % 4).to_string(),
                ..Default::default()
            },
        ],
        actions: vec![ActionFields {
            who: "Link worker".into(),
            what: "Send details of the group and its next date".into(),
            ..Default::default()
        }],
        tools: vec!["Five ways to wellbeing".into()],
        next_review: review.map(DateEntry::of).unwrap_or_default(),
    };
    let plan = Plan::parse(&fields).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    db.save_plan(scope, actor, r.id, 0, &plan).await?;
    Ok(())
}
