//! Listings as CSV, for spreadsheets: the export, the template, and the import with an
//! error for each line and column that cannot be used (nothing is stored unless every
//! line is good, so a half-imported sheet never needs untangling).
//!
//! One row is one listing at one time: a listing that runs at several times has a row for
//! each, with the same `id` (or the same organisation and name). Rows without an `id`
//! match an existing listing by organisation and name, so importing a sheet twice updates.
//! The columns are documented in `COLUMNS` and on the import page.

use std::collections::HashMap;

use jiff::civil::Date;
use linkwell_domain::directory::{
    ClosureFields, PauseFields, ProviderInput, ProviderKind, ScheduleFields, ServiceFields, ServiceInput,
    ServiceStatus, Taxonomy, Term,
};
use linkwell_domain::{ServiceId, ValidationErrors};
use linkwell_store::directory::{
    SaveOrigin, Service, ServiceFilter, ServiceSave, save_provider_in, save_service_in, set_service_status_in,
};
use linkwell_store::{Actor, Db, OrgScope, StoreError};

/// Each column and what goes in it.
pub const COLUMNS: &[(&str, &str)] = &[
    ("id", "Leave empty for a new listing; keep it to update one"),
    ("organisation", "The organisation that runs it (added if new)"),
    ("name", "Required"),
    ("description", "Required"),
    ("status", "running, paused or closed (running if empty)"),
    ("restart_on", "When a paused listing is expected back, like 1/3/2027"),
    ("closed_reason", "Why it closed (required when closed)"),
    ("needs", "Needs it helps with, separated by semicolons, like loneliness; money_debt"),
    ("activities", "Activity types, separated by semicolons, like walking"),
    ("only_for", "Who it is only for, separated by semicolons, like new_parents (empty for anyone)"),
    ("minimum_age", "Whole years"),
    ("maximum_age", "Whole years"),
    ("eligibility", "Anything else about who can go"),
    ("cost", "free or paid"),
    ("cost_amount", "In pounds, like 3.50"),
    ("cost_description", "What the cost covers, like per session"),
    ("wheelchair", "yes or no"),
    ("accessibility", "Other accessibility"),
    ("languages", "Separated by commas, like English, Urdu"),
    ("capacity", "Number of places"),
    ("full", "yes or no"),
    ("place", "Name of where it meets"),
    ("address", "Street address"),
    ("town", "Town or city"),
    ("postcode", "Needed for distances"),
    ("contact_name", ""),
    ("phone", ""),
    ("email", ""),
    ("website", "Starting https://"),
    ("repeat", "weekly, fortnightly or monthly"),
    ("day", "MO, TU, WE, TH, FR, SA or SU"),
    ("week", "For monthly: 1, 2, 3, 4 or -1 for the last"),
    ("rule", "Instead of repeat/day/week: an RFC 5545 rule like FREQ=MONTHLY;BYDAY=2MO"),
    ("starts", "First date, like 1/12/2026"),
    ("opens", "24-hour clock, like 10:00"),
    ("closes", "24-hour clock, like 11:30"),
    ("times_note", "Anything else about when"),
    ("last_checked", "Export only: when the team last checked it"),
];

fn header() -> Vec<&'static str> {
    COLUMNS.iter().map(|(c, _)| *c).collect()
}

/// The column a listing form field is read from, to name errors as the sheet does.
fn column_of(field: &str) -> String {
    let f = field.strip_prefix("schedules[").and_then(|r| r.split_once("].")).map(|(_, f)| f).unwrap_or(field);
    match f {
        "provider_id" => "organisation",
        "location_name" => "place",
        "url" => "website",
        "audiences" => "only_for",
        "description" if field.starts_with("schedules[") => "times_note",
        other => other,
    }
    .to_owned()
}

fn yes(s: &str) -> bool {
    matches!(s.trim().to_ascii_lowercase().as_str(), "yes" | "y" | "true" | "1")
}

fn codes(s: &str, taxonomy: Taxonomy) -> (Vec<String>, Vec<String>) {
    let mut ok = vec![];
    let mut bad = vec![];
    for part in s.split([';', ',']).map(str::trim).filter(|p| !p.is_empty()) {
        let t = Term::parse(taxonomy, part)
            .or_else(|| taxonomy.terms().into_iter().find(|t| t.label().eq_ignore_ascii_case(part)));
        match t {
            Some(t) => ok.push(t.code().to_owned()),
            None => bad.push(part.to_owned()),
        }
    }
    (ok, bad)
}

/// One listing assembled from its rows.
struct Draft {
    line: u64,
    id: Option<ServiceId>,
    organisation: String,
    fields: ServiceFields,
    status: String,
    restart_on: String,
    closed_reason: String,
}

/// A line-and-column error.
pub type LineError = String;

/// What an import would do, or did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CsvReport {
    pub created: u64,
    pub updated: u64,
    pub errors: Vec<LineError>,
}

/// Read, check and (when every line is good) store a sheet of listings.
pub async fn import(
    db: &Db,
    scope: &OrgScope,
    actor: &Actor,
    data: &[u8],
    today: Date,
) -> Result<(CsvReport, Vec<ServiceId>), StoreError> {
    let mut report = CsvReport::default();
    let mut reader = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(data);
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            report.errors.push(format!("line 1: the header could not be read ({e})"));
            return Ok((report, vec![]));
        }
    };
    let known = header();
    for h in headers.iter() {
        if !known.contains(&h) {
            report.errors.push(format!("line 1: unknown column {h:?} (see the template)"));
        }
    }
    for required in ["name", "description", "organisation"] {
        if !headers.iter().any(|h| h == required) {
            report.errors.push(format!("line 1: the {required} column is missing"));
        }
    }
    if !report.errors.is_empty() {
        return Ok((report, vec![]));
    }
    let mut drafts: Vec<Draft> = vec![];
    let mut key_of: HashMap<String, usize> = HashMap::new();
    for (n, record) in reader.records().enumerate() {
        let line = n as u64 + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                report.errors.push(format!("line {line}: could not be read ({e})"));
                continue;
            }
        };
        let get =
            |c: &str| restore(headers.iter().position(|h| h == c).and_then(|i| record.get(i)).unwrap_or("")).to_owned();
        if record.iter().all(|v| v.trim().is_empty()) {
            continue;
        }
        let id = match get("id") {
            s if s.is_empty() => None,
            s => match s.parse::<ServiceId>() {
                Ok(id) => Some(id),
                Err(_) => {
                    report.errors.push(format!("line {line}: id: must be an id from an export, or empty"));
                    continue;
                }
            },
        };
        let schedule = ScheduleFields {
            rule: get("rule"),
            repeat: get("repeat"),
            day: get("day"),
            week: get("week"),
            starts: linkwell_domain::time::DateEntry::Sheet(get("starts")),
            opens: get("opens"),
            closes: get("closes"),
            description: get("times_note"),
        };
        let key = match id {
            Some(id) => id.to_string(),
            None => format!("{}\u{1f}{}", get("organisation").to_lowercase(), get("name").to_lowercase()),
        };
        if let Some(&i) = key_of.get(&key) {
            // Another time of a listing already read.
            drafts[i].fields.schedules.push(schedule);
            continue;
        }
        let (needs, bad_needs) = codes(&get("needs"), Taxonomy::Needs);
        let (activities, bad_activities) = codes(&get("activities"), Taxonomy::Activities);
        let (audiences, bad_audiences) = codes(&get("only_for"), Taxonomy::Audiences);
        for (column, bad) in [("needs", bad_needs), ("activities", bad_activities), ("only_for", bad_audiences)] {
            for b in bad {
                report
                    .errors
                    .push(format!("line {line}: {column}: {b:?} is not one Linkwell knows (see the template)"));
            }
        }
        let fields = ServiceFields {
            provider_id: String::new(),
            name: get("name"),
            description: get("description"),
            url: get("website"),
            email: get("email"),
            phone: get("phone"),
            contact_name: get("contact_name"),
            minimum_age: get("minimum_age"),
            maximum_age: get("maximum_age"),
            eligibility: get("eligibility"),
            cost: get("cost").to_lowercase(),
            cost_amount: get("cost_amount"),
            cost_description: get("cost_description"),
            wheelchair: yes(&get("wheelchair")),
            accessibility: get("accessibility"),
            languages: get("languages"),
            needs,
            activities,
            audiences,
            capacity: get("capacity"),
            full: yes(&get("full")),
            location_name: get("place"),
            address: get("address"),
            town: get("town"),
            postcode: get("postcode"),
            schedules: if [&schedule.rule, &schedule.repeat, &schedule.day, &schedule.opens]
                .iter()
                .all(|s| s.is_empty())
            {
                vec![]
            } else {
                vec![schedule]
            },
        };
        key_of.insert(key, drafts.len());
        drafts.push(Draft {
            line,
            id,
            organisation: get("organisation"),
            fields,
            status: get("status").to_lowercase(),
            restart_on: get("restart_on"),
            closed_reason: get("closed_reason"),
        });
    }
    // Check every listing before storing any.
    let providers = db.providers(scope).await?;
    let mut ready = vec![];
    for d in &drafts {
        let mut fields = d.fields.clone();
        // A placeholder id passes the form check; the real one is found or made below.
        fields.provider_id = linkwell_domain::ProviderId::default().to_string();
        if d.organisation.trim().is_empty() {
            report.errors.push(format!("line {}: organisation: Enter the organisation that runs it", d.line));
        }
        let input = match ServiceInput::parse(&fields, today) {
            Ok(i) => Some(i),
            Err(e) => {
                for err in e.errors {
                    report.errors.push(format!("line {}: {}: {}", d.line, column_of(&err.field), err.message));
                }
                None
            }
        };
        let status = match d.status.as_str() {
            "" | "running" | "active" => Some(ServiceStatus::Active),
            "paused" => match (PauseFields {
                restart: linkwell_domain::time::DateEntry::Sheet(d.restart_on.clone()),
                note: String::new(),
            })
            .parse(today)
            {
                Ok((restart, _)) => Some(ServiceStatus::Paused { restart }),
                Err(e) => {
                    for err in e.errors {
                        report.errors.push(format!("line {}: restart_on: {}", d.line, err.message));
                    }
                    None
                }
            },
            "closed" => match (ClosureFields { reason: d.closed_reason.clone() }).parse() {
                Ok(reason) => Some(ServiceStatus::Closed { reason }),
                Err(_) => {
                    report.errors.push(format!("line {}: closed_reason: Enter why it has closed", d.line));
                    None
                }
            },
            other => {
                report.errors.push(format!("line {}: status: {other:?} must be running, paused or closed", d.line));
                None
            }
        };
        if let (Some(input), Some(status)) = (input, status) {
            ready.push((d, input, status));
        }
    }
    if !report.errors.is_empty() {
        return Ok((report, vec![]));
    }
    // Everything the save needs is read first; then the whole sheet is saved in one
    // transaction, so a failure or a concurrent edit part way leaves nothing half done.
    let mut provider_ids: HashMap<String, linkwell_domain::ProviderId> =
        providers.iter().map(|p| (p.name.to_lowercase(), p.id)).collect();
    let mut new_providers: Vec<(linkwell_domain::ProviderId, ProviderInput)> = vec![];
    let mut plan = vec![];
    for (d, mut input, status) in ready {
        let key = d.organisation.trim().to_lowercase();
        let provider = match provider_ids.get(&key) {
            Some(id) => *id,
            None => {
                let id = linkwell_domain::ProviderId::new();
                let name = d.organisation.trim().to_owned();
                let p = ProviderInput {
                    name: name.clone(),
                    kind: ProviderKind::Voluntary,
                    description: name,
                    website: None,
                    email: None,
                    phone: None,
                };
                new_providers.push((id, p));
                provider_ids.insert(key, id);
                id
            }
        };
        input.provider_id = provider;
        db.locate_places(&mut input.locations).await?;
        // By id, else by organisation and name (a new organisation has no listings yet).
        let existing: Option<Service> = match d.id {
            Some(id) => db.services_by_ids(scope, &[id]).await?.pop(),
            None if new_providers.iter().any(|(id, _)| *id == provider) => None,
            None => {
                let filter = ServiceFilter { provider_id: Some(provider), ..Default::default() };
                let (list, _) = db.services_page(scope, &filter, 0, 10_000).await?;
                match list.iter().find(|s| s.name.eq_ignore_ascii_case(&input.name)) {
                    Some(s) => db.services_by_ids(scope, &[s.id]).await?.pop(),
                    None => None,
                }
            }
        };
        plan.push((d, input, status, existing));
    }
    let mut tx = db.begin().await?;
    for (id, p) in &new_providers {
        save_provider_in(&mut tx, scope, actor, *id, None, p, SaveOrigin::Here).await?;
    }
    let mut saved = vec![];
    for (d, input, status, existing) in &plan {
        let id = existing.as_ref().map(|e| e.id).or(d.id).unwrap_or_default();
        let save = ServiceSave {
            id,
            expected: existing.as_ref().map(|e| linkwell_domain::Version(e.version)),
            old: existing.as_ref(),
            origin: SaveOrigin::Here,
            verified: existing.is_none().then_some(today),
        };
        let version = save_service_in(&mut tx, scope, actor, &save, input).await?;
        let was = existing.as_ref().map_or(ServiceStatus::Active, |e| e.status.clone());
        if was != *status {
            let v = linkwell_domain::Version(version);
            set_service_status_in(&mut tx, scope, actor, id, v, status, "From a spreadsheet").await?;
        }
        if existing.is_some() {
            report.updated += 1
        } else {
            report.created += 1
        }
        saved.push(id);
    }
    tx.commit().await?;
    Ok((report, saved))
}

fn row_of(s: &Service, schedule: Option<&linkwell_store::directory::StoredSchedule>) -> Vec<String> {
    let (cost, amount, what) = match &s.cost {
        linkwell_domain::directory::Cost::Free => ("free", String::new(), String::new()),
        linkwell_domain::directory::Cost::Paid { pence, description } => {
            ("paid", pence.map(|p| format!("{}.{:02}", p / 100, p % 100)).unwrap_or_default(), description.clone())
        }
    };
    let (status, restart, reason) = match &s.status {
        ServiceStatus::Active => ("running", String::new(), String::new()),
        ServiceStatus::Paused { restart } => {
            ("paused", restart.map(|d| d.to_string()).unwrap_or_default(), String::new())
        }
        ServiceStatus::Closed { reason } => ("closed", String::new(), reason.clone()),
    };
    let terms = |want: Taxonomy| {
        s.terms.iter().filter(|t| t.taxonomy() == want).map(|t| t.code()).collect::<Vec<_>>().join("; ")
    };
    let l = s.locations.first();
    let f = schedule.map(|x| ScheduleFields::from_schedule(&x.schedule)).unwrap_or_default();
    let yn = |b: bool| if b { "yes" } else { "no" }.to_owned();
    let cells: Vec<String> = vec![
        s.id.to_string(),
        s.provider_name.clone(),
        s.name.clone(),
        s.description.clone(),
        status.into(),
        restart,
        reason,
        terms(Taxonomy::Needs),
        terms(Taxonomy::Activities),
        terms(Taxonomy::Audiences),
        s.minimum_age.map(|a| a.to_string()).unwrap_or_default(),
        s.maximum_age.map(|a| a.to_string()).unwrap_or_default(),
        s.eligibility.clone(),
        cost.into(),
        amount,
        what,
        yn(s.wheelchair),
        s.accessibility.clone(),
        s.languages.join(", "),
        s.capacity.map(|c| c.to_string()).unwrap_or_default(),
        yn(s.full),
        l.map(|l| l.name.clone()).unwrap_or_default(),
        l.map(|l| l.address.clone()).unwrap_or_default(),
        l.map(|l| l.town.clone()).unwrap_or_default(),
        l.and_then(|l| l.postcode.clone()).unwrap_or_default(),
        s.contact_name.clone(),
        s.phone.clone().unwrap_or_default(),
        s.email.clone().unwrap_or_default(),
        s.url.clone().unwrap_or_default(),
        f.repeat,
        f.day,
        f.week,
        f.rule,
        schedule.map(|x| x.schedule.dtstart.to_string()).unwrap_or_default(),
        f.opens,
        f.closes,
        f.description,
        s.last_verified.map(|d| d.to_string()).unwrap_or_default(),
    ];
    debug_assert_eq!(cells.len(), COLUMNS.len());
    cells
}

/// Every listing as CSV, a row per time it runs.
pub async fn export(db: &Db, scope: &OrgScope) -> Result<Vec<u8>, StoreError> {
    let mut w = csv::Writer::from_writer(vec![]);
    let csv_error = |e: csv::Error| StoreError::Corrupt(format!("CSV: {e}"));
    w.write_record(header()).map_err(csv_error)?;
    let mut offset = 0;
    loop {
        let (list, _) = db.services_page(scope, &ServiceFilter::default(), offset, 200).await?;
        if list.is_empty() {
            break;
        }
        let services = db.services_by_ids(scope, &list.iter().map(|s| s.id).collect::<Vec<_>>()).await?;
        for s in &services {
            if s.schedules.is_empty() {
                w.write_record(row_of(s, None).iter().map(|c| neutralise(c).into_owned())).map_err(csv_error)?;
            }
            for sch in &s.schedules {
                w.write_record(row_of(s, Some(sch)).iter().map(|c| neutralise(c).into_owned())).map_err(csv_error)?;
            }
        }
        offset += list.len() as u64;
    }
    w.into_inner().map_err(|e| StoreError::Corrupt(format!("CSV: {e}")))
}

/// Characters that make a spreadsheet read a cell as a formula (OWASP's CSV injection list).
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A cell as written to a sheet: one that a spreadsheet would run as a formula (a listing
/// named `=HYPERLINK(…)`) gets a leading `'`, so it shows as text. A plain number such as
/// `-1` (the last week of the month) is no formula and is written as it is.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    let number = |s: &str| {
        let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
        !digits.is_empty()
            && digits.split_once('.').map_or(digits, |(a, _)| a).bytes().all(|b| b.is_ascii_digit())
            && digits.bytes().all(|b| b.is_ascii_digit() || b == b'.')
            && digits.matches('.').count() <= 1
    };
    if cell.starts_with(FORMULA_STARTS) && !number(cell) { format!("'{cell}").into() } else { cell.into() }
}

/// A cell as read from a sheet: the `'` that `neutralise` added is taken off again, so a
/// sheet exported and imported unchanged changes nothing.
fn restore(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_STARTS) => rest,
        _ => cell,
    }
}

/// The template: the header and one example row.
pub fn template() -> Vec<u8> {
    let mut w = csv::Writer::from_writer(vec![]);
    let example = [
        "",
        "Riverside Ramblers",
        "Walk and Talk",
        "An easy walk round the park, then a cuppa.",
        "running",
        "",
        "",
        "loneliness; physical_activity",
        "walking",
        "",
        "18",
        "",
        "",
        "free",
        "",
        "",
        "no",
        "Flat paths",
        "English",
        "20",
        "no",
        "Roundhay Park",
        "Princes Avenue",
        "Leeds",
        "LS8 2HH",
        "Sue",
        "0113 496 0000",
        "",
        "",
        "weekly",
        "TU",
        "",
        "",
        "",
        "10:00",
        "11:30",
        "Meet at the café",
        "",
    ];
    // Writing to memory cannot fail.
    let _ = w.write_record(header());
    let _ = w.write_record(example);
    w.into_inner().unwrap_or_default()
}

/// Errors as a validation list for a page (one per line of the report).
pub fn as_errors(report: &CsvReport) -> ValidationErrors {
    let mut e = ValidationErrors::new();
    for line in &report.errors {
        e.add("file", line.clone());
    }
    e
}

#[cfg(test)]
mod tests {
    use super::{neutralise, restore};

    #[test]
    fn formulas_are_written_as_text_and_read_back_unchanged() {
        for (cell, written) in [
            ("=HYPERLINK(\"http://evil\")", "'=HYPERLINK(\"http://evil\")"),
            ("+44 113 496 0000", "'+44 113 496 0000"),
            ("-1", "-1"),
            ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
            ("-", "'-"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("Walk and Talk", "Walk and Talk"),
            ("'quoted", "'quoted"),
        ] {
            assert_eq!(neutralise(cell), written);
            assert_eq!(restore(&neutralise(cell)), cell);
        }
    }

    #[test]
    fn the_template_has_every_column() {
        let text = String::from_utf8(super::template()).unwrap();
        let mut r = csv::Reader::from_reader(text.as_bytes());
        assert_eq!(r.headers().unwrap().len(), super::COLUMNS.len());
        assert_eq!(r.records().next().unwrap().unwrap().len(), super::COLUMNS.len());
        assert_eq!(super::column_of("schedules[2].day"), "day");
        assert_eq!(super::column_of("location_name"), "place");
    }
}
