//! Reading another directory's Open Referral UK feed into ours: each ORUK service (fully
//! nested) becomes a provider and a listing under the publisher's ids, so importing the
//! same feed again updates rather than duplicates. A record that cannot be used is
//! reported with its id and the failing field; the others still import.

use jiff::civil::Date;
use linkwell_domain::directory::{
    LatLon, LocationInput, ProviderFields, ProviderInput, ScheduleFields, ServiceFields, ServiceInput, ServiceStatus,
    Taxonomy, Term, flexible_date,
};
use linkwell_domain::people::Postcode;
use linkwell_domain::referrals::Need;
use linkwell_domain::{LocationId, ProviderId, ServiceId, ValidationErrors};
use linkwell_store::directory::SaveOrigin;
use linkwell_store::{Actor, Db, OrgScope, StoreError};
use serde_json::Value;

/// One service of a feed, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    pub id: ServiceId,
    /// The organisation, when the record carries it (otherwise it must exist already).
    pub provider: Option<(ProviderId, ProviderInput)>,
    pub service: ServiceInput,
    pub status: ServiceStatus,
}

/// Why a record was not imported: its id (as given) and each failing field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    pub id: String,
    pub errors: ValidationErrors,
}

impl std::fmt::Display for Rejected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let fields: Vec<String> = self.errors.errors.iter().map(|e| format!("{}: {}", e.field, e.message)).collect();
        write!(f, "service {}: {}", self.id, fields.join("; "))
    }
}

fn text(v: &Value, key: &str) -> String {
    match v.get(key) {
        Some(Value::String(s)) => s.trim().to_owned(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

fn array<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key).and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[])
}

/// The RRULE of an ORUK schedule's fields.
fn rrule(s: &Value) -> String {
    let mut parts = vec![format!("FREQ={}", text(s, "freq").to_uppercase())];
    for (key, name) in [("interval", "INTERVAL"), ("byday", "BYDAY"), ("bymonthday", "BYMONTHDAY")] {
        let v = text(s, key);
        if !v.is_empty() {
            parts.push(format!("{name}={v}"));
        }
    }
    parts.join(";")
}

/// "10:00:00" or "10:00" as the form's "10:00".
fn hh_mm(t: &str) -> String {
    t.get(..5).unwrap_or(t).to_owned()
}

/// A term we know from an ORUK attribute: by our id, or by code or name in either taxonomy.
fn term_of(attribute: &Value) -> Option<Term> {
    let t = attribute.get("taxonomy_term")?;
    if let Some(term) = t.get("id").and_then(Value::as_str).and_then(|id| id.parse().ok()).and_then(Term::from_uuid) {
        return Some(term);
    }
    let code = text(t, "term");
    let name = text(t, "name");
    Taxonomy::ALL
        .into_iter()
        .flat_map(Taxonomy::terms)
        .find(|x| x.code() == code || x.label().eq_ignore_ascii_case(&name))
}

/// Read one ORUK service.
pub fn parse_service(v: &Value, today: Date) -> Result<Imported, Rejected> {
    let raw_id = text(v, "id");
    let reject = |errors: ValidationErrors| Rejected {
        id: if raw_id.is_empty() { "(no id)".into() } else { raw_id.clone() },
        errors,
    };
    let mut e = ValidationErrors::new();
    let id = e.check("id", raw_id.parse::<ServiceId>().map_err(|_| "must be a UUID"));
    let status = e.check(
        "status",
        ServiceStatus::from_oruk(&text(v, "status")).ok_or("must be active, inactive, defunct or temporarily closed"),
    );
    // The organisation: nested, or by id alone (then it must be known already).
    let org = v.get("organization").filter(|o| o.is_object());
    let provider_id =
        match org.map(|o| text(o, "id")).filter(|s| !s.is_empty()).unwrap_or_else(|| text(v, "organization_id")) {
            s if s.is_empty() => {
                e.add("organization_id", "is missing: every service needs its organisation");
                None
            }
            s => e.check("organization_id", s.parse::<ProviderId>().map_err(|_| "must be a UUID")),
        };
    let provider = match org {
        Some(o) => {
            let name = text(o, "name");
            let fields = ProviderFields {
                description: Some(text(o, "description")).filter(|d| !d.is_empty()).unwrap_or_else(|| name.clone()),
                name,
                kind: "voluntary".into(),
                website: text(o, "website"),
                email: text(o, "email"),
                phone: String::new(),
            };
            match ProviderInput::parse(&fields) {
                Ok(p) => Some(p),
                Err(errs) => {
                    for err in errs.errors {
                        e.add(&format!("organization.{}", err.field), err.message);
                    }
                    None
                }
            }
        }
        None => None,
    };
    // Cost: an amount over zero is a cost; zero or "free" is free; words alone are a cost
    // described; nothing said is not claimed to be free.
    let options = array(v, "cost_options");
    let amount = options.iter().filter_map(|c| c.get("amount").and_then(Value::as_f64)).find(|a| *a > 0.0);
    let fees = text(v, "fees");
    let says_free = options.iter().any(|c| {
        c.get("amount").and_then(Value::as_f64) == Some(0.0) || text(c, "option").eq_ignore_ascii_case("free")
    }) || fees.eq_ignore_ascii_case("free");
    let (cost, cost_amount, cost_description) = match (amount, says_free) {
        (Some(a), _) => (
            "paid",
            format!("{a:.2}"),
            options.iter().map(|c| text(c, "amount_description")).find(|d| !d.is_empty()).unwrap_or_default(),
        ),
        (None, true) => ("free", String::new(), String::new()),
        (None, false) if !fees.is_empty() => ("paid", String::new(), fees.chars().take(200).collect()),
        (None, false) => ("paid", String::new(), "Ask the organisation about any cost".into()),
    };
    let contact = array(v, "contacts").first();
    let phone = contact
        .map(|c| array(c, "phones"))
        .unwrap_or(&[])
        .iter()
        .chain(array(v, "phones"))
        .map(|p| text(p, "number"))
        .find(|n| !n.is_empty())
        .unwrap_or_default();
    let mut needs = vec![];
    let mut activities = vec![];
    let mut audiences = vec![];
    for a in array(v, "attributes") {
        match term_of(a) {
            Some(Term::Need(n)) => needs.push(n.code().to_owned()),
            Some(Term::Activity(t)) => activities.push(t.code().to_owned()),
            Some(Term::Audience(t)) => audiences.push(t.code().to_owned()),
            None => {}
        }
    }
    if needs.is_empty() && activities.is_empty() {
        // Classified in a taxonomy we do not use: "other" until someone here classifies it.
        needs.push(Need::Other.code().to_owned());
    }
    let schedules: Vec<&Value> = array(v, "schedules")
        .iter()
        .filter(|s| !text(s, "freq").is_empty() && !text(s, "opens_at").is_empty() && !text(s, "closes_at").is_empty())
        .collect();
    let fields = ServiceFields {
        provider_id: provider_id.map(|p| p.to_string()).unwrap_or_default(),
        name: text(v, "name"),
        description: text(v, "description"),
        url: text(v, "url"),
        email: text(v, "email"),
        phone,
        contact_name: contact.map(|c| text(c, "name")).unwrap_or_default(),
        minimum_age: text(v, "minimum_age").split('.').next().unwrap_or_default().to_owned(),
        maximum_age: text(v, "maximum_age").split('.').next().unwrap_or_default().to_owned(),
        eligibility: String::new(),
        cost: cost.into(),
        cost_amount,
        cost_description,
        wheelchair: false,
        accessibility: String::new(),
        languages: array(v, "languages")
            .iter()
            .map(|l| text(l, "name"))
            .filter(|n| !n.is_empty())
            .collect::<Vec<_>>()
            .join(", "),
        needs,
        activities,
        audiences,
        capacity: String::new(),
        full: false,
        location_name: String::new(),
        address: String::new(),
        town: String::new(),
        postcode: String::new(),
        schedules: schedules
            .iter()
            .map(|s| ScheduleFields {
                rule: rrule(s),
                starts: linkwell_domain::time::DateEntry::Sheet(
                    [text(s, "dtstart"), text(s, "valid_from")]
                        .into_iter()
                        .find(|d| !d.is_empty())
                        .map(|d| d.get(..10).unwrap_or(&d).to_owned())
                        .unwrap_or_default(),
                ),
                opens: hh_mm(&text(s, "opens_at")),
                closes: hh_mm(&text(s, "closes_at")),
                description: text(s, "description").chars().take(500).collect(),
                ..Default::default()
            })
            .collect(),
    };
    let mut service = match ServiceInput::parse(&fields, today) {
        Ok(s) => Some(s),
        Err(errs) => {
            for err in errs.errors {
                e.add(&err.field, err.message);
            }
            None
        }
    };
    // Validity dates the form does not carry.
    if let Some(s) = &mut service {
        for (i, raw) in schedules.iter().enumerate() {
            let date = |key: &str, e: &mut ValidationErrors| match text(raw, key) {
                d if d.is_empty() => None,
                d => e.check(&format!("schedules[{i}].{key}"), flexible_date(d.get(..10).unwrap_or(&d))),
            };
            let (from, to) = (date("valid_from", &mut e), date("valid_to", &mut e));
            if let Some(sch) = s.schedules.get_mut(i) {
                sch.valid_from = from;
                sch.valid_to = to;
            }
        }
    }
    // Places, with their accessibility.
    let mut locations = vec![];
    let mut access = vec![];
    for (i, sal) in array(v, "service_at_locations").iter().enumerate() {
        let Some(l) = sal.get("location") else { continue };
        let field = |f: &str| format!("service_at_locations[{i}].location.{f}");
        let location_id = match text(l, "id") {
            s if s.is_empty() => None,
            s => e.check(&field("id"), s.parse::<uuid::Uuid>().map(LocationId).map_err(|_| "must be a UUID")),
        };
        let address = array(l, "addresses").first();
        let postcode = match address.map(|a| text(a, "postal_code")).unwrap_or_default() {
            p if p.is_empty() => None,
            p => e.check(&field("addresses[0].postal_code"), Postcode::parse(&p).map_err(|err| err.to_string())),
        };
        let point = match (l.get("latitude").and_then(Value::as_f64), l.get("longitude").and_then(Value::as_f64)) {
            (Some(a), Some(o)) => {
                e.check(&field("latitude"), LatLon::new(a, o).ok_or("must be a real latitude and longitude"))
            }
            _ => None,
        };
        for a in array(l, "accessibility") {
            let d = [text(a, "description"), text(a, "details")]
                .into_iter()
                .filter(|t| !t.is_empty())
                .collect::<Vec<_>>()
                .join(". ");
            if !d.is_empty() {
                access.push(d);
            }
        }
        locations.push(LocationInput {
            id: location_id,
            name: text(l, "name").chars().take(200).collect(),
            address: address.map(|a| text(a, "address_1")).unwrap_or_default().chars().take(500).collect(),
            town: address.map(|a| text(a, "city")).unwrap_or_default().chars().take(100).collect(),
            postcode,
            point,
        });
    }
    let (Some(id), Some(status), Some(provider_id), Some(mut service)) = (id, status, provider_id, service) else {
        return Err(reject(e));
    };
    if !e.is_empty() {
        return Err(reject(e));
    }
    let accessibility = access.join(". ");
    service.wheelchair = {
        let a = accessibility.to_lowercase();
        a.contains("wheelchair") && !a.contains("not wheelchair") && !a.contains("no wheelchair")
    };
    service.accessibility = accessibility.chars().take(1000).collect();
    service.locations = locations;
    Ok(Imported { id, provider: provider.map(|p| (provider_id, p)), service, status })
}

/// The service records of a feed document: a single service, a page of them, a list, or
/// newline-delimited JSON.
pub fn records(document: &str) -> Result<Vec<Value>, String> {
    match serde_json::from_str::<Value>(document) {
        Ok(Value::Array(items)) => Ok(items),
        Ok(v @ Value::Object(_)) if v.get("contents").is_some() => Ok(array(&v, "contents").to_vec()),
        Ok(v @ Value::Object(_)) => Ok(vec![v]),
        Ok(_) => Err("the document is not an ORUK service, a page of services or a list of them".into()),
        Err(_) => document
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(n, l)| serde_json::from_str(l).map_err(|e| format!("line {}: not JSON ({e})", n + 1)))
            .collect(),
    }
}

/// What an import did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    pub created: u64,
    pub updated: u64,
    pub rejected: Vec<String>,
}

/// Store what parses; report what does not. `source` names the feed in each listing's history.
pub async fn store(
    db: &Db,
    scope: &OrgScope,
    records: &[Value],
    source: &str,
    today: Date,
) -> Result<(Report, Vec<ServiceId>), StoreError> {
    let actor = Actor::system();
    let mut report = Report::default();
    let mut saved = vec![];
    // A feed repeats each organisation in every one of its services: save it once, and
    // remember whether its services may use it (`None`: no such organisation).
    let mut providers_usable: std::collections::HashMap<linkwell_domain::ProviderId, Option<bool>> =
        std::collections::HashMap::new();
    // A feed's place ids are kept apart from this directory's own and other feeds': each
    // becomes an id of its own under this source, the same one every time it is imported.
    let places = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, format!("linkwell:import:{source}").as_bytes());
    let left_alone = |what: &str, field: &str, id: &dyn std::fmt::Display| {
        format!("service {id}: {field}: {what} with this id was made in this directory; it was left alone")
    };
    for record in records {
        let mut imported = match parse_service(record, today) {
            Ok(i) => i,
            Err(r) => {
                report.rejected.push(r.to_string());
                continue;
            }
        };
        for place in &mut imported.service.locations {
            place.id =
                place.id.map(|id| linkwell_domain::ids::LocationId(uuid::Uuid::new_v5(&places, id.0.as_bytes())));
        }
        // The listing's organisation must be one imported (from this feed or another), never
        // one made in this directory: each is saved once, and whether it may be used is
        // remembered for the feed's other services that name it.
        let pid = imported.provider.as_ref().map_or(imported.service.provider_id, |(pid, _)| *pid);
        let usable = match providers_usable.get(&pid) {
            Some(usable) => *usable,
            None => {
                let usable = match &imported.provider {
                    Some((_, p)) => {
                        match db.save_provider(scope, &actor, pid, None, p, SaveOrigin::Import(source)).await {
                            Ok(_) => Some(true),
                            Err(StoreError::Conflict) => Some(false),
                            Err(e) => return Err(e),
                        }
                    }
                    None => match db.provider(scope, pid).await {
                        Ok(p) => Some(!p.source.is_empty()),
                        Err(StoreError::NotFound) => None,
                        Err(e) => return Err(e),
                    },
                };
                providers_usable.insert(pid, usable);
                usable
            }
        };
        match usable {
            Some(true) => {}
            Some(false) => {
                report.rejected.push(left_alone("an organisation", "organization_id", &imported.id));
                continue;
            }
            None => {
                report.rejected.push(format!(
                    "service {}: organization_id: is not an organisation in the feed or in this directory",
                    imported.id
                ));
                continue;
            }
        }
        let s = match db
            .save_service(scope, &actor, imported.id, None, &imported.service, SaveOrigin::Import(source), None)
            .await
        {
            Ok(s) => s,
            Err(StoreError::Conflict) => {
                report.rejected.push(left_alone("a listing", "id", &imported.id));
                continue;
            }
            Err(e) => return Err(e),
        };
        if s.status != imported.status {
            db.set_service_status(
                scope,
                &actor,
                s.id,
                linkwell_domain::Version(s.version),
                &imported.status,
                "As published by the feed",
            )
            .await?;
        }
        // A listing saved for the first time is at version 1.
        if s.version == 1 {
            report.created += 1
        } else {
            report.updated += 1
        }
        saved.push(s.id);
    }
    Ok((report, saved))
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;
    use serde_json::json;

    use super::*;

    fn walk() -> Value {
        json!({
            "id": "0193a3b4-0000-7000-8000-000000000001",
            "name": "Riverside Walk",
            "description": "A walk by the river.",
            "status": "temporarily closed",
            "email": "walks@example.org",
            "minimum_age": 18,
            "organization": {"id": "0193a3b4-0000-7000-8000-0000000000aa", "name": "Ramblers", "description": "Walking for all"},
            "cost_options": [{"id": "0193a3b4-0000-7000-8000-0000000000c1", "amount": 2.5, "amount_description": "per walk"}],
            "schedules": [{"id": "0193a3b4-0000-7000-8000-0000000000d1", "freq": "WEEKLY", "interval": 1, "byday": "TU", "opens_at": "10:00:00", "closes_at": "11:30:00", "dtstart": "2026-01-06", "valid_to": "2027-12-31"}],
            "service_at_locations": [{"id": "0193a3b4-0000-7000-8000-0000000000e1", "location": {
                "id": "0193a3b4-0000-7000-8000-0000000000f1", "location_type": "physical", "name": "River gates",
                "latitude": 53.8, "longitude": -1.55,
                "addresses": [{"id": "0193a3b4-0000-7000-8000-0000000000f2", "address_1": "Canal Wharf", "city": "Leeds", "state_province": "", "postal_code": "ls1 4ap", "country": "GB", "address_type": "physical"}],
                "accessibility": [{"id": "0193a3b4-0000-7000-8000-0000000000f3", "description": "Wheelchair accessible paths"}]}}],
            "attributes": [{"id": "0193a3b4-0000-7000-8000-0000000000a1", "taxonomy_term": {"id": "0193a3b4-0000-7000-8000-0000000000a2", "name": "Walking", "description": "", "term": "walking"}}],
            "languages": [{"id": "0193a3b4-0000-7000-8000-0000000000a3", "name": "English"}],
            "contacts": [{"id": "0193a3b4-0000-7000-8000-0000000000a4", "name": "Sue", "phones": [{"id": "0193a3b4-0000-7000-8000-0000000000a5", "number": "0113 496 0000"}]}]
        })
    }

    #[test]
    fn a_full_service_maps_field_for_field() {
        let i = parse_service(&walk(), date(2026, 11, 23)).unwrap();
        assert_eq!(i.status, ServiceStatus::Paused { restart: None });
        assert_eq!(i.service.name, "Riverside Walk");
        assert_eq!(i.service.cost.summary(), "£2.50 per walk");
        assert_eq!(i.service.minimum_age, Some(18));
        assert_eq!(i.service.schedules[0].recurrence.to_string(), "FREQ=WEEKLY;BYDAY=TU");
        assert_eq!(i.service.schedules[0].valid_to, Some(date(2027, 12, 31)));
        assert_eq!(i.service.locations[0].postcode.as_ref().map(|p| p.as_str()), Some("LS1 4AP"));
        assert!(i.service.locations[0].id.is_some() && i.service.locations[0].point.is_some());
        assert!(i.service.wheelchair);
        assert_eq!(i.service.terms, vec![Term::Activity(linkwell_domain::directory::ActivityType::Walking)]);
        assert_eq!((i.service.contact_name.as_str(), i.service.phone.as_deref()), ("Sue", Some("0113 496 0000")));
        assert_eq!(i.provider.as_ref().map(|(_, p)| p.name.as_str()), Some("Ramblers"));
    }

    #[test]
    fn broken_records_name_their_id_and_field() {
        let mut v = walk();
        v["email"] = json!("not-an-email");
        v["name"] = json!("");
        v["status"] = json!("open");
        v["service_at_locations"][0]["location"]["addresses"][0]["postal_code"] = json!("nowhere");
        let r = parse_service(&v, date(2026, 11, 23)).unwrap_err();
        let text = r.to_string();
        assert!(text.starts_with("service 0193a3b4-0000-7000-8000-000000000001: "), "{text}");
        for field in ["status", "name", "email", "service_at_locations[0].location.addresses[0].postal_code"] {
            assert!(r.errors.for_field(field).is_some(), "{field} in {text}");
        }
        let r = parse_service(&json!({"name": "No id"}), date(2026, 11, 23)).unwrap_err();
        assert!(r.to_string().starts_with("service (no id): id: must be a UUID"), "{r}");
    }

    #[test]
    fn documents_of_every_shape() {
        assert_eq!(records(&json!({"contents": [walk(), walk()]}).to_string()).unwrap().len(), 2);
        assert_eq!(records(&json!([walk()]).to_string()).unwrap().len(), 1);
        assert_eq!(records(&walk().to_string()).unwrap().len(), 1);
        assert_eq!(records(&format!("{}\n{}\n", walk(), walk())).unwrap().len(), 2);
        assert!(records("{nope").is_err());
    }
}
