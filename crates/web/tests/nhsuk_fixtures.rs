//! Our component macros against the official NHS.UK frontend 10.6.1 fixtures in
//! tests/standards/nhsuk-frontend: render each fixture's `context` with our macro and
//! compare with its `html`, whitespace-normalised.
//!
//! Every fixture of every component we implement is rendered. The few that use options we
//! have deliberately not implemented (icons, prefixes/suffixes, captions, …) are listed in
//! `UNSUPPORTED` by name; the test fails if any other fixture differs, and also if a listed
//! one starts to match (so the list only ever shrinks).

use std::collections::BTreeSet;
use std::path::PathBuf;

use linkwell_web::templates::Templates;
use minijinja::Value;

/// (component folder, our macro name)
const COMPONENTS: &[(&str, &str)] = &[
    ("tag", "tag"),
    ("button", "button"),
    ("hint", "hint"),
    ("error-message", "error_message"),
    ("label", "label"),
    ("input", "input"),
    ("textarea", "textarea"),
    ("select", "select"),
    ("error-summary", "error_summary"),
    ("summary-list", "summary_list"),
    ("inset-text", "inset_text"),
    ("back-link", "back_link"),
    ("skip-link", "skip_link"),
    ("warning-callout", "warning_callout"),
    ("fieldset", "fieldset"),
    ("radios", "radios"),
    ("checkboxes", "checkboxes"),
    ("date-input", "date_input"),
];

include!("nhsuk_unsupported.in");

/// The NHS.UK frontend fixtures, copied into the repository (tests/standards/README.md says
/// where from).
fn standards() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/standards/nhsuk-frontend"))
}

/// Collapse whitespace and drop it between tags, so indentation differences do not count.
fn normalise(html: &str) -> String {
    let collapsed = html.split_whitespace().collect::<Vec<_>>().join(" ");
    collapsed.replace("> <", "><").replace(" >", ">").replace("> ", ">").replace(" <", "<")
}

#[test]
fn component_macros_match_the_official_fixtures() {
    let templates = Templates::new();
    let mut failures = BTreeSet::new();
    let mut passed = 0;
    let mut first_diffs = Vec::new();
    for (component, mac) in COMPONENTS {
        let path = standards().join("components").join(component).join("fixtures.json");
        let doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        for f in doc["fixtures"].as_array().unwrap() {
            let name = format!(
                "{component}: {}{}",
                f["name"].as_str().unwrap(),
                f.get("description").and_then(|d| d.as_str()).map(|d| format!(" ({d})")).unwrap_or_default()
            );
            let source = match f.get("callBlock").and_then(|c| c.as_str()) {
                Some(_) => format!(
                    "{{% from \"components/nhsuk.html\" import {mac} %}}{{% call {mac}(params) %}}{{{{ body | safe }}}}{{% endcall %}}"
                ),
                None => format!("{{% from \"components/nhsuk.html\" import {mac} %}}{{{{ {mac}(params) }}}}"),
            };
            let ctx = Value::from(minijinja::value::Serde(serde_json::json!({
                "params": f["context"],
                "body": f.get("callBlock").cloned().unwrap_or(serde_json::Value::Null),
            })));
            let ours =
                templates.render_str(&source, ctx).map(|h| normalise(&h)).unwrap_or_else(|e| format!("ERROR {e:#}"));
            let theirs = normalise(f["html"].as_str().unwrap());
            if std::env::var("SHOW").is_ok_and(|s| name.contains(&s)) {
                println!("{name}\n  ours:   {ours}\n  theirs: {theirs}");
            }
            if ours == theirs {
                passed += 1;
            } else {
                if !UNSUPPORTED.contains(&name.as_str()) && first_diffs.len() < 6 {
                    first_diffs.push(format!("{name}\n  ours:   {ours}\n  theirs: {theirs}"));
                }
                failures.insert(name);
            }
        }
    }
    let unsupported: BTreeSet<String> = UNSUPPORTED.iter().map(|s| s.to_string()).collect();
    let unexpected: Vec<_> = failures.difference(&unsupported).collect();
    let now_passing: Vec<_> = unsupported.difference(&failures).collect();
    if std::env::var("PRINT_UNSUPPORTED").is_ok() {
        for f in &failures {
            println!("    {f:?},");
        }
    }
    assert!(
        unexpected.is_empty() && now_passing.is_empty(),
        "{passed} fixtures match.\nUnexpected differences ({}):\n{}\n\nListed as unsupported but now matching: {now_passing:?}",
        unexpected.len(),
        first_diffs.join("\n\n")
    );
    assert!(passed >= 200, "only {passed} fixtures matched");
}
