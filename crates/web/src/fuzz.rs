//! The web layer's parsers fed arbitrary input (issue 10, "prove it holds"): form bodies,
//! JSON bodies and the parser messages turned into words. None may panic; what they keep
//! is bounded by the caps. (The importers' own fuzz tests are in `crates/app/tests`.)

use linkwell_domain::validation::MAX_ROWS;
use proptest::prelude::*;
use serde_json::Value;

use crate::api::JsonBody;
use crate::pages::FormPairs;

/// A body of the API's shape: an object of the API's member names whose values are
/// scalars, lists or objects, three levels deep (as deep as any of its bodies go).
fn json() -> impl Strategy<Value = Value> {
    let scalar = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
        ".{0,40}".prop_map(Value::from),
        "[0-9a-f-]{36}".prop_map(Value::from),
        "(accept|decline|attended|video|routine|gp|loneliness|2026-0[0-9]-3[0-9]|[0-9]{2}:[0-9]{2}|-1|[0-9]{1,3})"
            .prop_map(Value::from),
    ]
    .boxed();
    let names = prop::sample::select(vec![
        "person",
        "referral",
        "given_name",
        "family_name",
        "date_of_birth",
        "nhs_number",
        "sex",
        "phone",
        "preferred_channel",
        "source",
        "needs",
        "urgency",
        "consent_confirmed",
        "action",
        "version",
        "worker_id",
        "reason",
        "plan",
        "based_on",
        "what_matters",
        "goals",
        "actions",
        "text",
        "target",
        "progress",
        "tools",
        "outcome",
        "notes",
        "date",
        "time",
        "mode",
        "room_id",
    ]);
    let object = move |values: BoxedStrategy<Value>| {
        prop::collection::btree_map(names.clone(), values, 0..10)
            .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()))
            .boxed()
    };
    let list = |values: BoxedStrategy<Value>| prop::collection::vec(values, 0..6).prop_map(Value::from).boxed();
    let inner = prop_oneof![scalar.clone(), list(scalar.clone()), object(scalar.clone())].boxed();
    let member = prop_oneof![scalar, object(inner.clone()), list(object(inner))].boxed();
    object(member)
}

fn today() -> jiff::civil::Date {
    jiff::civil::date(2026, 12, 2)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn form_bodies_never_size_anything(body in prop::collection::vec(any::<u8>(), 0..600), index in any::<u64>(), field in "(goals|actions|schedules)") {
        let mut bytes = body.clone();
        bytes.extend_from_slice(format!("&{field}%5B{index}%5D.text=x&{field}[{index}].day=TU").as_bytes());
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes).unwrap_or_default();
        let form = FormPairs(pairs);
        for prefix in ["goals", "actions", "schedules"] {
            prop_assert!(form.rows(prefix) <= MAX_ROWS + 1);
        }
        let plan = crate::pages::plans::plan_fields(&form);
        prop_assert!(plan.goals.len() <= MAX_ROWS + 1 && plan.actions.len() <= MAX_ROWS + 1);
        let _ = linkwell_domain::plans::Plan::parse(&plan);
        let service = crate::pages::directory::service_fields(&form);
        prop_assert!(service.schedules.len() <= MAX_ROWS + 1);
        let _ = linkwell_domain::directory::ServiceInput::parse(&service, today());
    }

    #[test]
    fn json_bodies_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400), value in json()) {
        for body in [bytes.clone(), value.to_string().into_bytes()] {
            let parse = |b: &Vec<u8>| JsonBody::of(axum::body::Bytes::from(b.clone()));
            let _ = parse(&body).parse::<crate::api::referrals::NewReferralBody>();
            let _ = parse(&body).parse::<crate::api::referrals::TriageBody>();
            let _ = parse(&body).parse::<crate::api::plans::PlanBody>();
            let _ = parse(&body).parse::<crate::api::sessions::OutcomeBody>();
            let _ = parse(&body).parse::<crate::api::sessions::BookingBody>();
        }
    }

    #[test]
    fn parser_messages_become_words(message in ".{0,200}") {
        let (field, words) = crate::input::describe(&message, "field");
        prop_assert!(!words.is_empty());
        prop_assert!(field.is_none_or(|f| message.contains(&f)));
    }
}
