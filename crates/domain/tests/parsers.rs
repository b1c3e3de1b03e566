//! Every parser of the domain fed arbitrary input (issue 10, "prove it holds"): none
//! panics, and none allocates more than a small multiple of what it was given. A counting
//! allocator (this test binary's own) measures the peak each call allocates on its thread.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use jiff::civil::date;
use linkwell_domain::audit::parse_witness;
use linkwell_domain::calendar::{Event, calendar};
use linkwell_domain::directory::{
    DayPart, PrescriptionFields, PrescriptionInput, ProviderFields, ProviderInput, Recurrence, ScheduleFields,
    ServiceFields, ServiceInput, UnmetNeedFields, UnmetNeedInput, WeekSlot, parse_pounds, search_words,
};
use linkwell_domain::identity::EmailAddress;
use linkwell_domain::organisations::{OdsCode, parse_slug};
use linkwell_domain::people::{NhsNumber, PersonFields, PersonInput, Postcode};
use linkwell_domain::plans::{ActionFields, GoalFields, Plan, PlanFields};
use linkwell_domain::referrals::{ReferralFields, ReferralInput};
use linkwell_domain::time::{DateEntry, civil_date, wall_time};
use proptest::prelude::*;

struct Counting;

thread_local! {
    static LIVE: Cell<usize> = const { Cell::new(0) };
    static PEAK: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = LIVE.try_with(|l| {
            let now = l.get() + layout.size();
            l.set(now);
            let _ = PEAK.try_with(|p| p.set(p.get().max(now)));
        });
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let _ = LIVE.try_with(|l| l.set(l.get().saturating_sub(layout.size())));
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = LIVE.try_with(|l| {
            let now = l.get().saturating_sub(layout.size()) + new_size;
            l.set(now);
            let _ = PEAK.try_with(|p| p.set(p.get().max(now)));
        });
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Run `f` and fail if, at its peak, it held more than 1 MiB plus 64 bytes for each byte of
/// input: nothing may be sized from what the input says, only from how long it is.
fn bounded<R>(input_len: usize, f: impl FnOnce() -> R) -> R {
    let base = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(base));
    let r = f();
    let peak = PEAK.with(Cell::get) - base;
    let limit = 1024 * 1024 + 64 * input_len;
    assert!(peak <= limit, "allocated {peak} bytes at the peak for {input_len} bytes of input");
    r
}

/// Text a person or a script might send: anything, or something close to what a field
/// takes (digits, dates, codes), with control characters and odd Unicode mixed in.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        ".{0,80}",
        "[0-9 /:.+-]{0,24}",
        "[A-Za-z0-9 ]{0,12}",
        "(FREQ|INTERVAL|BYDAY|BYMONTHDAY|UNTIL|COUNT|WEEKLY|MONTHLY|MO|TU|-1|2|=|;|,|[0-9]){0,30}",
        Just("\u{0}".to_owned()),
        Just("99999999999999999999999".to_owned()),
        Just("2026-02-30".to_owned()),
        Just("99999-01-01".to_owned()),
        "[\\PC\\x00-\\x1f]{0,2000}",
    ]
}

fn rows<T: std::fmt::Debug>(s: impl Strategy<Value = T>) -> impl Strategy<Value = Vec<T>> {
    prop::collection::vec(s, 0..60)
}

fn schedule() -> impl Strategy<Value = ScheduleFields> {
    (text(), text(), text(), text(), text(), text(), text(), text()).prop_map(
        |(rule, repeat, day, week, starts, opens, closes, description)| ScheduleFields {
            rule,
            repeat,
            day,
            week,
            starts: DateEntry::Sheet(starts),
            opens,
            closes,
            description,
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn single_values_never_panic(s in text()) {
        let n = s.len();
        bounded(n, || {
            let _ = NhsNumber::parse(&s, false);
            let _ = NhsNumber::parse(&s, true);
            let _ = Postcode::parse(&s);
            let _ = EmailAddress::parse(&s);
            let _ = OdsCode::parse(&s);
            let _ = parse_slug(&s);
            let _ = wall_time(&s);
            let _ = civil_date(&DateEntry::boxes(&s, &s, &s));
            let _ = civil_date(&DateEntry::Iso(s.clone()));
            let _ = parse_pounds(&s);
            let _ = Recurrence::parse(&s);
            let _ = DayPart::parse(&s);
            let _ = WeekSlot::parse(&s);
            let _ = search_words(&s);
            let _ = parse_witness(&s);
        });
    }

    #[test]
    fn people_and_referrals_never_panic(f in prop::collection::vec(text(), 17), bools in prop::collection::vec(any::<bool>(), 5), needs in rows(text())) {
        let n: usize = f.iter().map(String::len).sum::<usize>() + needs.iter().map(String::len).sum::<usize>();
        bounded(n, || {
            let person = PersonFields {
                nhs_number: f[0].clone(), given_name: f[1].clone(), family_name: f[2].clone(), date_of_birth: linkwell_domain::time::DateEntry::boxes(&f[3], &f[4], &f[5]), sex: f[6].clone(), gender_identity: f[7].clone(),
                ethnic_category: f[8].clone(), postcode: f[9].clone(), address: f[10].clone(), phone: f[11].clone(),
                email: f[12].clone(), preferred_channel: f[13].clone(), access_needs: f[14].clone(),
                practice_id: f[15].clone(), consent_contact: bools[0], consent_share: bools[1], consent_share_practice: !bools[1], consent_feedback: bools[2],
            };
            let _ = PersonInput::parse(&person, bools[3], date(2026, 12, 2));
            let referral = ReferralFields {
                source: f[16].clone(), needs: needs.clone(), urgency: f[0].clone(), risk_flags: f[1].clone(),
                safeguarding: bools[4], free_text: f[2].clone(), consent_confirmed: bools[0],
            };
            let _ = ReferralInput::parse(&referral);
        });
    }

    #[test]
    fn plans_never_panic(f in prop::collection::vec(text(), 4), goals in rows((text(), text(), text())), actions in rows((text(), text(), text(), any::<bool>())), list in rows(text())) {
        let n = f.iter().map(String::len).sum::<usize>() + goals.len() * 64 + actions.len() * 64 + list.len() * 16;
        let fields = PlanFields {
            what_matters: f[0].clone(), strengths: f[1].clone(), needs: list.clone(),
            goals: goals.iter().map(|(text, target, progress)| GoalFields { text: text.clone(), target: DateEntry::Iso(target.clone()), progress: progress.clone() }).collect(),
            actions: actions.iter().map(|(who, what, by, done)| ActionFields { who: who.clone(), what: what.clone(), by: DateEntry::Sheet(by.clone()), done: *done }).collect(),
            tools: list.clone(), next_review: DateEntry::boxes(&f[2], &f[0], &f[1]),
        };
        let plan = bounded(n, || Plan::parse(&fields));
        if let Ok(plan) = plan {
            prop_assert!(plan.goals.len() <= 50 && plan.actions.len() <= 50);
        }
    }

    #[test]
    fn listings_never_panic(f in prop::collection::vec(text(), 20), schedules in rows(schedule()), terms in rows(text())) {
        let n = f.iter().map(String::len).sum::<usize>() + schedules.len() * 200 + terms.len() * 16;
        let fields = ServiceFields {
            provider_id: f[0].clone(), name: f[1].clone(), description: f[2].clone(), url: f[3].clone(), email: f[4].clone(),
            phone: f[5].clone(), contact_name: f[6].clone(), minimum_age: f[7].clone(), maximum_age: f[8].clone(),
            eligibility: f[9].clone(), cost: f[10].clone(), cost_amount: f[11].clone(), cost_description: f[12].clone(),
            wheelchair: false, accessibility: f[13].clone(), languages: f[14].clone(), needs: terms.clone(),
            activities: terms.clone(), audiences: terms.clone(), capacity: f[15].clone(), full: true, location_name: f[16].clone(),
            address: f[17].clone(), town: f[18].clone(), postcode: f[19].clone(), schedules,
        };
        let parsed = bounded(n, || ServiceInput::parse(&fields, date(2026, 12, 2)));
        if let Ok(s) = parsed {
            prop_assert!(s.schedules.len() <= 50);
            // A schedule expands over a bounded window, whatever its rule says.
            for sch in &s.schedules {
                bounded(n, || sch.occurrences(date(2026, 12, 2), date(2099, 12, 31), &[]).len());
            }
        }
        let provider = ProviderFields { name: f[0].clone(), kind: f[1].clone(), description: f[2].clone(), website: f[3].clone(), email: f[4].clone(), phone: f[5].clone() };
        bounded(n, || { let _ = ProviderInput::parse(&provider); });
        let rx = PrescriptionFields { service_id: f[0].clone(), date: DateEntry::Iso(f[1].clone()), kind: f[2].clone(), notes: f[3].clone() };
        bounded(n, || { let _ = PrescriptionInput::parse(&rx, date(2026, 12, 2)); });
        let unmet = UnmetNeedFields { need: f[0].clone(), area: f[1].clone(), notes: f[2].clone() };
        bounded(n, || { let _ = UnmetNeedInput::parse(&unmet); });
    }

    /// The calendar writer: any text becomes escaped, folded lines of at most 75 octets,
    /// each ended by CRLF, with no line break inside a line.
    #[test]
    fn calendars_escape_and_fold_anything(name in text(), summary in text(), location in text(), description in text(), uid in text()) {
        let starts = jiff::Timestamp::from_second(1_800_000_000).unwrap();
        let e = Event { uid, starts, ends: starts, summary, location: Some(location), description: Some(description), sequence: 1, cancelled: false };
        let n = name.len() + e.summary.len() + 200;
        let ics = bounded(n * 4, || calendar(&name, &[e], starts));
        prop_assert!(ics.ends_with("\r\n"));
        for line in ics.split("\r\n").filter(|l| !l.is_empty()) {
            prop_assert!(line.len() <= 75, "{line:?}");
            prop_assert!(!line.contains('\n') && !line.contains('\r'), "{line:?}");
        }
    }
}
