//! The application layer's importers fed arbitrary input (issue 10, "prove it holds"):
//! ORUK feed documents and records, and CSV sheets into a real (SQLite) directory. None
//! may panic; what they keep is bounded by the caps.

use linkwell_app::directory::{csv, oruk_import};
use linkwell_domain::validation::MAX_ROWS;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use serde_json::Value;

/// Any JSON value, nested a few levels, with the member names an ORUK record uses.
fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
        ".{0,40}".prop_map(Value::from),
        "[0-9a-f-]{36}".prop_map(Value::from),
        "(WEEKLY|MONTHLY|MO|TU|-1|[0-9]{1,3}|2026-0[0-9]-3[0-9]|[0-9]{2}:[0-9]{2}:[0-9]{2}|free|active|defunct)"
            .prop_map(Value::from),
    ];
    let names = prop::sample::select(vec![
        "id",
        "name",
        "description",
        "status",
        "email",
        "url",
        "minimum_age",
        "maximum_age",
        "organization",
        "cost_options",
        "amount",
        "schedules",
        "freq",
        "interval",
        "byday",
        "bymonthday",
        "opens_at",
        "closes_at",
        "dtstart",
        "valid_to",
        "until",
        "count",
        "service_at_locations",
        "location",
        "postcode",
        "latitude",
        "longitude",
        "taxonomy_terms",
        "contents",
        "languages",
        "phones",
        "number",
        "attributes",
    ]);
    leaf.prop_recursive(4, 64, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
            prop::collection::btree_map(names.clone(), inner, 0..10)
                .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())),
        ]
    })
}

fn today() -> jiff::civil::Date {
    jiff::civil::date(2026, 12, 2)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn oruk_documents_and_records_never_panic(text in "[\\PC\\n{}\\[\\]\":,]{0,400}", record in json()) {
        if let Ok(records) = oruk_import::records(&text) {
            for r in &records {
                let _ = oruk_import::parse_service(r, today());
            }
        }
        let as_ndjson = format!("{record}\n{record}\n");
        let records = oruk_import::records(&as_ndjson).unwrap_or_default();
        for r in records.iter().chain(std::iter::once(&record)) {
            if let Ok(imported) = oruk_import::parse_service(r, today()) {
                prop_assert!(imported.service.schedules.len() <= MAX_ROWS);
            }
        }
    }

    #[test]
    fn sheet_cells_round_trip(cell in ".{0,60}") {
        let written = csv::neutralise(&cell);
        prop_assert!(!written.starts_with(['=', '+', '@', '\t', '\r']) || written.starts_with('\''));
    }
}

/// CSV sheets of arbitrary bytes into a real (SQLite) directory: a sheet is refused line
/// by line or saved whole, never half, and never panics.
#[test]
fn sheets_of_any_bytes_never_panic() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let t = linkwell_store::testing::TestDb::new(linkwell_store::Engine::Sqlite).await.unwrap();
        let org = t.db.create_organisation("fuzz", "Fuzz", false).await.unwrap();
        let scope = linkwell_store::OrgScope::new(org.id);
        let actor = linkwell_store::Actor::system();
        let header = csv::template();
        let mut runner = proptest::test_runner::TestRunner::default();
        let strategy = (prop::collection::vec(any::<u8>(), 0..400), ".{0,200}", any::<bool>());
        for _ in 0..64 {
            let (bytes, line, with_header) = strategy.new_tree(&mut runner).unwrap().current();
            let mut sheet = if with_header { header.clone() } else { vec![] };
            sheet.extend_from_slice(line.as_bytes());
            sheet.push(b'\n');
            sheet.extend_from_slice(&bytes);
            let _ = csv::import(&t.db, &scope, &actor, &sheet, today()).await;
        }
    });
}
