//! Reports (issue 14): the service's activity and outcomes over a period, as tables its
//! audience may see — the team every count, a commissioner only suppressed aggregates.
//! Every view and export is audited with its filters (never anyone's name).

use std::collections::BTreeMap;

use linkwell_domain::ValidationErrors;
use linkwell_domain::audit::AuditAction;
use linkwell_domain::identity::Role;
use linkwell_domain::outcomes::instruments::{Instrument, Measure};
use linkwell_domain::outcomes::questionnaire::Questionnaire;
use linkwell_domain::outcomes::responses::baseline_and_latest;
use linkwell_domain::outcomes::statistics::{PairedChange, paired_change};
use linkwell_domain::outcomes::suppression::{self, Shown};
use linkwell_domain::referrals::{Need, ReferralSource};
use linkwell_domain::reporting::filter::{ReportFields, ReportFilter};
use linkwell_domain::reporting::tables::{Audience, CountTable, ShownTable, StatTable, stat_row};
use linkwell_domain::reporting::waits::wait;
use linkwell_domain::sessions::{SessionKind, SessionMode, SessionStatus};
use linkwell_store::reports::CaseScore;
use linkwell_store::{Db, OrgScope, StoreError};

use crate::Caller;
use crate::casework::CaseError;

/// Breakdowns of a measure's change (by need, by practice) are shown only for groups with
/// at least this many pairs: fewer say nothing reliable.
pub const MIN_BREAKDOWN_PAIRS: usize = 10;

/// A headline figure: what it is, and its value as the audience sees it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Headline {
    pub label: &'static str,
    pub value: Option<Shown>,
}

/// A report as its audience sees it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Report {
    /// The period, as ISO dates.
    pub from: String,
    pub to: String,
    /// What was chosen, as named (empty when not).
    pub programme: String,
    pub practice: String,
    pub worker: String,
    /// Whether small numbers are suppressed (a commissioner's view).
    pub suppressed: bool,
    pub headlines: Vec<Headline>,
    pub counts: Vec<ShownTable>,
    pub statistics: Vec<StatTable>,
}

/// Who sees a report how: the team's coordinators in full, anyone else (commissioners)
/// through suppression.
pub fn audience(role: Role) -> Audience {
    if role == Role::Coordinator { Audience::Team } else { Audience::Commissioner }
}

/// A report's filters as chosen, checked: the period and the programme, practice and
/// link worker (with their names), by the rules of the caller's audience.
struct Resolved {
    filter: ReportFilter,
    audience: Audience,
    programme: Option<linkwell_store::programmes::Programme>,
    practice: String,
    worker: String,
    practices: Vec<linkwell_store::practices::Practice>,
    workers: Vec<crate::casework::WorkerLoad>,
}

async fn resolve(db: &Db, caller: &Caller, fields: &ReportFields) -> Result<Resolved, CaseError> {
    let scope = caller.scope();
    let programmes = db.programmes(&scope).await?;
    let chosen = fields.programme.trim();
    let programme = programmes.iter().find(|p| p.id.to_string() == chosen).cloned();
    if !chosen.is_empty() && programme.is_none() {
        return Err(CaseError::Invalid(ValidationErrors::single("programme", "Choose a programme from the list")));
    }
    let funding = programme.as_ref().and_then(|p| {
        let day = |d: &Option<String>| d.as_deref().and_then(|d| d.parse::<jiff::civil::Date>().ok());
        day(&p.funded_from).zip(day(&p.funded_to))
    });
    let audience = audience(caller.principal.user.role);
    let mut fields = fields.clone();
    if audience == Audience::Commissioner && funding.is_none() && fields.to.trim().is_empty() {
        // A commissioner's report ends with the last whole month.
        let last = crate::today().first_of_month().yesterday().unwrap_or(crate::today());
        fields.to = last.to_string();
        if fields.from.trim().is_empty() {
            fields.from = linkwell_domain::reporting::filter::financial_year_start(last).to_string();
        }
    }
    let filter = ReportFilter::parse(&fields, crate::today(), funding).map_err(CaseError::Invalid)?;
    if audience == Audience::Commissioner {
        // Periods a day apart, or one worker's cases, would let figures be told apart by
        // subtraction down to a person: a commissioner's report covers whole months.
        let mut e = ValidationErrors::new();
        if filter.from.day() != 1 {
            e.add("from", "Start on the first day of a month");
        }
        if filter.to.tomorrow().is_ok_and(|d| d.day() != 1) {
            e.add("to", "End on the last day of a month");
        }
        if filter.worker.is_some() {
            e.add("worker", "Reports for commissioners cover every link worker");
        }
        e.into_result().map_err(CaseError::Invalid)?;
    }
    let practices = db.practices_by_name(&scope).await?;
    let practice = match filter.practice {
        Some(id) => match practices.iter().find(|p| p.id == id) {
            Some(p) => p.name.clone(),
            None => {
                return Err(CaseError::Invalid(ValidationErrors::single(
                    "practice",
                    "Choose a practice from the list",
                )));
            }
        },
        None => String::new(),
    };
    let workers = crate::casework::team_loads(db, &scope).await?;
    let worker = match filter.worker {
        Some(id) => match workers.iter().find(|w| w.worker.id == id) {
            Some(w) => w.worker.display_name.clone(),
            None => {
                return Err(CaseError::Invalid(ValidationErrors::single(
                    "worker",
                    "Choose a link worker from the list",
                )));
            }
        },
        None => String::new(),
    };
    Ok(Resolved { filter, audience, programme, practice, worker, practices, workers })
}

/// Audit a report seen or downloaded, with its format and filters.
async fn audit_view(db: &Db, caller: &Caller, format: &str, filter: &ReportFilter) -> Result<(), CaseError> {
    let detail = format!(
        "{format} {}..{}{}{}{}",
        filter.from,
        filter.to,
        filter.programme.map(|p| format!(" programme={p}")).unwrap_or_default(),
        filter.practice.map(|p| format!(" practice={p}")).unwrap_or_default(),
        filter.worker.map(|w| format!(" worker={w}")).unwrap_or_default(),
    );
    let event = caller.actor().event(AuditAction::ReportViewed, "report", "service", Some(detail));
    db.audit(&caller.scope(), &event).await?;
    Ok(())
}

/// The report `fields` ask for, audited as viewed in `format` ("page", "csv", "xlsx",
/// "json").
pub async fn report(db: &Db, caller: &Caller, fields: &ReportFields, format: &str) -> Result<Report, CaseError> {
    let scope = caller.scope();
    let Resolved { filter, audience, programme, practice, worker, practices, workers } =
        resolve(db, caller, fields).await?;
    let practice_name = |id: &Option<String>| {
        match id {
            Some(id) => {
                practices.iter().find(|p| p.id.to_string() == *id).map_or("Another practice", |p| p.name.as_str())
            }
            None => "No practice",
        }
        .to_owned()
    };

    let referrals = db.report_referrals(&scope, &filter).await?;
    let mut by_practice: BTreeMap<String, u64> = BTreeMap::new();
    let mut by_source: BTreeMap<String, u64> = BTreeMap::new();
    let mut by_need: BTreeMap<String, u64> = BTreeMap::new();
    let mut by_status: BTreeMap<String, u64> = BTreeMap::new();
    for g in &referrals {
        *by_practice.entry(practice_name(&g.practice_id)).or_default() += g.n;
        let source = ReferralSource::parse(&g.source).map(|s| s.label()).unwrap_or("Other");
        *by_source.entry(source.to_owned()).or_default() += g.n;
        for code in g.needs.split(',').filter(|c| !c.is_empty()) {
            let need = Need::parse(code).map(|n| n.label()).unwrap_or("Other");
            *by_need.entry(need.to_owned()).or_default() += g.n;
        }
        *by_status.entry(status_label(&g.status).to_owned()).or_default() += g.n;
    }
    let received: u64 = referrals.iter().map(|g| g.n).sum();
    let practices_referring =
        referrals.iter().filter_map(|g| g.practice_id.as_ref()).collect::<std::collections::BTreeSet<_>>();
    let one_column = |key, title: &str, heading: &str, column: &str, rows: BTreeMap<String, u64>| CountTable {
        key,
        title: title.to_owned(),
        row_heading: heading.to_owned(),
        columns: vec![column.to_owned()],
        rows: rows.into_iter().map(|(label, n)| (label, vec![n])).collect(),
        summable: true,
    };

    let sessions = db.report_sessions(&scope, &filter).await?;
    let statuses = [
        SessionStatus::Ended(linkwell_domain::sessions::Outcome::Attended),
        SessionStatus::Ended(linkwell_domain::sessions::Outcome::DidNotAttend),
        SessionStatus::Ended(linkwell_domain::sessions::Outcome::CancelledByPerson),
        SessionStatus::Ended(linkwell_domain::sessions::Outcome::CancelledByService),
        SessionStatus::Booked,
    ];
    let mut session_rows: Vec<(String, Vec<u64>)> = vec![];
    for kind in [SessionKind::Initial, SessionKind::FollowUp] {
        for mode in SessionMode::ALL {
            let cells: Vec<u64> = statuses
                .iter()
                .map(|st| {
                    sessions
                        .iter()
                        .filter(|g| g.kind == kind.code() && g.mode == mode.code() && g.status == st.code())
                        .map(|g| g.n)
                        .sum()
                })
                .collect();
            if cells.iter().any(|n| *n > 0) {
                session_rows.push((format!("{}, {}", kind.label(), mode.label().to_lowercase()), cells));
            }
        }
    }
    let attended: u64 = sessions.iter().filter(|g| g.status == "attended").map(|g| g.n).sum();
    let missed: u64 = sessions.iter().filter(|g| g.status == "did_not_attend").map(|g| g.n).sum();
    let people = db.report_people_seen(&scope, &filter).await?;

    // Caseloads now, by worker: the team's table (a commissioner's report has no names).
    let caseloads = CountTable {
        key: "caseloads",
        title: "Caseload per link worker now (every programme)".into(),
        row_heading: "Link worker".into(),
        columns: vec!["Active".into(), "Open, not yet active".into()],
        rows: workers
            .iter()
            .filter(|w| filter.worker.is_none_or(|id| w.worker.id == id))
            .map(|w| {
                let active = w.active.max(0) as u64;
                (w.worker.display_name.clone(), vec![active, (w.open.max(0) as u64).saturating_sub(active)])
            })
            .collect(),
        summable: true,
    };
    let mut counts: Vec<ShownTable> = vec![
        one_column("referrals_by_practice", "Referrals received by practice", "Practice", "Referrals", by_practice),
        one_column("referrals_by_source", "Referrals received by source", "Source", "Referrals", by_source),
        one_column(
            "referrals_by_need",
            "Referrals received by need (a referral counts under each of its needs)",
            "Need",
            "Referrals",
            by_need,
        ),
        one_column("referrals_by_status", "Where the referrals received are now", "Status", "Referrals", by_status),
        CountTable {
            key: "sessions",
            title: "Sessions by type, mode and outcome".into(),
            row_heading: "Session".into(),
            columns: statuses.iter().map(|s| s.label().to_owned()).collect(),
            rows: session_rows,
            summable: true,
        },
    ]
    .into_iter()
    .chain((audience == Audience::Team).then_some(caseloads))
    .map(|t| t.shown(audience))
    .collect();

    // The period quarter by quarter (financial quarters: April, July, October, January),
    // for a year's or a funding period's report; none over more than eight quarters.
    let quarters = quarters_of(filter.from, filter.to);
    if (2..=MAX_QUARTERS).contains(&quarters.len()) {
        let mut rows = vec![];
        for (from, to) in quarters {
            let q = ReportFilter { from, to, ..filter };
            let received: u64 = db.report_referrals(&scope, &q).await?.iter().map(|g| g.n).sum();
            let seen = db.report_people_seen(&scope, &q).await?;
            let held: u64 =
                db.report_sessions(&scope, &q).await?.iter().filter(|g| g.status == "attended").map(|g| g.n).sum();
            let label = format!("{} to {}", from.strftime("%-d %b %Y"), to.strftime("%-d %b %Y"));
            rows.push((label, vec![received, seen, held]));
        }
        counts.push(
            CountTable {
                key: "quarters",
                title: "Quarter by quarter".into(),
                row_heading: "Quarter".into(),
                columns: vec!["Referrals received".into(), "People supported".into(), "Sessions attended".into()],
                rows,
                // People seen in two quarters count in each.
                summable: false,
            }
            .shown(audience),
        );
    }
    let waits = db.report_waits(&scope, &filter).await?;
    let days = |pick: &dyn Fn(&linkwell_store::reports::ReferralWaits) -> Option<i64>| -> Vec<f64> {
        waits.iter().filter_map(|w| pick(w).map(|at| (at - w.received_at).max(0) as f64 / 86_400_000.0)).collect()
    };
    let to_contact = wait(&days(&|w| w.first_contact_at));
    let to_session = wait(&days(&|w| w.first_session_at));
    let wait_table = StatTable {
        key: "waits",
        title: "Waiting times from referral (days)".into(),
        row_heading: "Wait".into(),
        columns: vec!["Median".into(), "90th percentile".into()],
        rows: vec![
            stat_row(
                "Referral to first contact",
                to_contact.n,
                &[to_contact.median_days, to_contact.p90_days],
                audience,
            ),
            stat_row(
                "Referral to first session",
                to_session.n,
                &[to_session.median_days, to_session.p90_days],
                audience,
            ),
        ],
    };

    let mut outcome_rows = vec![];
    let mut by_need_rows = vec![];
    let mut by_practice_rows = vec![];
    let mut headline_change = None;
    let questionnaires = crate::outcomes::catalogue(db, &scope).await?;
    for questionnaire in questionnaires.every() {
        for m in questionnaires.measures(questionnaire) {
            let Some(threshold) = m.meaningful_change else { continue };
            let scores = db.report_scores(&scope, &m.key, &filter).await?;
            let Some(change) = change_of(&m, &scores, threshold) else { continue };
            if *questionnaire == Questionnaire::BuiltIn(Instrument::Swemwbs) {
                headline_change = Some(change);
            }
            let label = match questionnaire {
                Questionnaire::BuiltIn(i) => format!("{} ({})", m.label, i.code().to_uppercase()),
                Questionnaire::Own(_) => m.label.to_string(),
            };
            outcome_rows.push(change_row(&label, &change, audience));
            let mut needs: BTreeMap<&'static str, Vec<CaseScore>> = BTreeMap::new();
            let mut at: BTreeMap<String, Vec<CaseScore>> = BTreeMap::new();
            for s in &scores {
                for code in s.needs.split(',').filter(|c| !c.is_empty()) {
                    let need = Need::parse(code).map(|n| n.label()).unwrap_or("Other");
                    needs.entry(need).or_default().push(s.clone());
                }
                at.entry(practice_name(&s.practice_id)).or_default().push(s.clone());
            }
            for (need, group) in needs {
                if let Some(c) = change_of(&m, &group, threshold).filter(|c| c.n >= MIN_BREAKDOWN_PAIRS) {
                    by_need_rows.push(change_row(&format!("{}: {need}", m.label), &c, audience));
                }
            }
            for (practice, group) in at {
                if let Some(c) = change_of(&m, &group, threshold).filter(|c| c.n >= MIN_BREAKDOWN_PAIRS) {
                    by_practice_rows.push(change_row(&format!("{}: {practice}", m.label), &c, audience));
                }
            }
        }
    }
    let change_columns = || -> Vec<String> {
        ["Mean change", "95% CI lower", "95% CI upper", "Improved by the threshold (%)", "Threshold", "Wilcoxon p"]
            .map(str::to_owned)
            .to_vec()
    };
    let mut statistics = vec![
        wait_table,
        StatTable {
            key: "outcomes",
            title: "Outcomes: baseline to latest score, paired".into(),
            row_heading: "Measure".into(),
            columns: change_columns(),
            rows: outcome_rows,
        },
        StatTable {
            key: "outcomes_by_need",
            title: format!("Outcomes by need (where at least {MIN_BREAKDOWN_PAIRS} people have pairs)"),
            row_heading: "Measure and need".into(),
            columns: change_columns(),
            rows: by_need_rows,
        },
        StatTable {
            key: "outcomes_by_practice",
            title: format!("Outcomes by practice (where at least {MIN_BREAKDOWN_PAIRS} people have pairs)"),
            row_heading: "Measure and practice".into(),
            columns: change_columns(),
            rows: by_practice_rows,
        },
    ];

    // Connections: each by how it was made, then by the service's activities.
    let connection_columns = || -> Vec<String> {
        ["Connections", "Started", "Still attending at 6 weeks", "Did not start", "Full or closed", "Not known yet"]
            .map(str::to_owned)
            .to_vec()
    };
    let column_of = |outcome: &Option<String>| match outcome.as_deref() {
        Some("started") => 1,
        Some("attending_6_weeks") => 2,
        Some("did_not_start") => 3,
        Some("service_full" | "service_closed") => 4,
        _ => 5,
    };
    let tally = |groups: &[linkwell_store::reports::ConnectionGroup],
                 label: &dyn Fn(&linkwell_store::reports::ConnectionGroup) -> String| {
        let mut rows: BTreeMap<String, Vec<u64>> = BTreeMap::new();
        for g in groups {
            let row = rows.entry(label(g)).or_insert_with(|| vec![0; 6]);
            row[0] += g.n;
            row[column_of(&g.outcome)] += g.n;
        }
        rows.into_iter().collect::<Vec<_>>()
    };
    let by_kind = db.report_connections(&scope, &filter, false).await?;
    let by_category = db.report_connections(&scope, &filter, true).await?;
    let connections_made: u64 = by_kind.iter().map(|g| g.n).sum();
    let groups = db.report_groups(&scope, &filter).await?;
    let mut unmet: BTreeMap<(String, String), u64> = BTreeMap::new();
    for u in db.report_unmet_needs(&scope, &filter).await? {
        let need = Need::parse(&u.need).map(|n| n.label()).unwrap_or("Other").to_owned();
        *unmet.entry((need, u.area.trim().to_uppercase())).or_default() += u.n;
    }
    let mut unmet: Vec<((String, String), u64)> = unmet.into_iter().collect();
    unmet.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let connection_tables = vec![
        CountTable {
            key: "connections_by_kind",
            title: "Social prescriptions made, and their uptake".into(),
            row_heading: "How connected".into(),
            summable: true,
            columns: connection_columns(),
            rows: tally(&by_kind, &|g| {
                linkwell_domain::directory::PrescriptionKind::parse(&g.kind)
                    .map(|k| k.label().to_owned())
                    .unwrap_or_else(|_| "Other".into())
            }),
        },
        CountTable {
            key: "connections_by_category",
            title: "Social prescriptions by category (a service's activities; one may count under several)".into(),
            row_heading: "Category".into(),
            summable: false,
            columns: connection_columns(),
            rows: tally(&by_category, &|g| {
                g.category
                    .as_deref()
                    .and_then(linkwell_domain::directory::Term::parse_key)
                    .map_or("No category".to_owned(), |t| t.label().to_owned())
            }),
        },
        CountTable {
            key: "groups",
            title: "The team's groups: sign-ups and attendance (every programme)".into(),
            row_heading: "Group".into(),
            columns: vec!["Signed up".into(), "Sessions held".into(), "Attendances".into()],
            summable: true,
            rows: groups.iter().map(|g| (g.name.clone(), vec![g.signed_up, g.sessions_held, g.attendances])).collect(),
        },
        CountTable {
            key: "unmet_needs",
            title: "Unmet needs by need and area: where a new group would help most".into(),
            row_heading: "Need and area".into(),
            columns: vec!["Recorded".into()],
            summable: true,
            rows: unmet.into_iter().map(|((need, area), n)| (format!("{need}, {area}"), vec![n])).collect(),
        },
    ];
    counts.extend(connection_tables.into_iter().map(|t| t.shown(audience)));

    // GP appointments in the three months before support and at its end, paired, and the
    // Friends and Family Test's share positive.
    let gp = Instrument::GpAppointments.measures()[0].clone();
    let gp_scores = db.report_scores(&scope, &gp.key, &filter).await?;
    let gp_rows: Vec<(&str, _, _, f64)> =
        gp_scores.iter().map(|s| (s.referral_id.as_str(), s.timepoint, s.answered_on, s.value)).collect();
    let gp_pairs = baseline_and_latest(&gp_rows);
    let mut gp_table = StatTable {
        key: "gp_appointments",
        title: "GP appointments in the last 3 months, before support and at its latest".into(),
        row_heading: "Measure".into(),
        columns: ["Mean before", "Mean after", "Mean change", "95% CI lower", "95% CI upper", "Wilcoxon p"]
            .map(str::to_owned)
            .to_vec(),
        rows: vec![],
    };
    if let Some(c) = paired_change(&gp, &gp_pairs, 1.0) {
        let n = gp_pairs.len() as f64;
        let before = gp_pairs.iter().map(|p| p.0).sum::<f64>() / n;
        let after = gp_pairs.iter().map(|p| p.1).sum::<f64>() / n;
        gp_table.rows.push(stat_row(
            &gp.label,
            c.n as u64,
            &[Some(before), Some(after), Some(c.mean_change), c.ci95.map(|x| x.0), c.ci95.map(|x| x.1), c.wilcoxon_p],
            audience,
        ));
    }
    statistics.push(gp_table);
    let fft = db.report_scores(&scope, &Instrument::FriendsAndFamily.measures()[0].key, &filter).await?;
    let fft_share = (!fft.is_empty()).then(|| fft.iter().map(|s| s.value).sum::<f64>() * 100.0 / fft.len() as f64);

    let count = |n: u64| match audience {
        Audience::Team => Shown::Count(n),
        Audience::Commissioner => suppression::count(n),
    };
    // The did-not-attend rate: a commissioner's from the counts they are shown, to a whole
    // percent, and `*` when either count is small (the rate would give it away).
    let dna_rate = match audience {
        Audience::Team => (attended + missed > 0).then(|| Some(missed as f64 * 100.0 / (attended + missed) as f64)),
        Audience::Commissioner => match (suppression::count(attended), suppression::count(missed)) {
            (Shown::Count(a), Shown::Count(m)) if a + m > 0 => Some(Some((m as f64 * 100.0 / (a + m) as f64).round())),
            (Shown::Count(0), Shown::Count(0)) => None,
            _ => Some(None),
        },
    };
    let headlines = vec![
        Headline { label: "People supported (came to a session)", value: Some(count(people)) },
        Headline { label: "Referrals received", value: Some(count(received)) },
        Headline { label: "Practices referring", value: Some(count(practices_referring.len() as u64)) },
        Headline { label: "Sessions attended", value: Some(count(attended)) },
        Headline {
            label: "Did-not-attend rate (%)",
            value: dna_rate.map(|r| match r {
                Some(r) => Shown::Value(linkwell_domain::reporting::tables::round2(r)),
                None => Shown::Suppressed,
            }),
        },
        Headline { label: "Social prescriptions made", value: Some(count(connections_made)) },
        Headline {
            label: "Friends and Family Test: positive (%)",
            value: fft_share.and_then(|v| stat_row("", fft.len() as u64, &[Some(v)], audience).values[0]),
        },
        Headline {
            label: "Mean change in SWEMWBS, baseline to latest",
            value: headline_change.and_then(|c| stat_row("", c.n as u64, &[Some(c.mean_change)], audience).values[0]),
        },
    ];

    audit_view(db, caller, format, &filter).await?;
    Ok(Report {
        from: filter.from.to_string(),
        to: filter.to.to_string(),
        programme: programme.map(|p| p.name.clone()).unwrap_or_default(),
        practice,
        worker,
        suppressed: audience == Audience::Commissioner,
        headlines,
        counts,
        statistics,
    })
}

/// Quarters a report is broken into at most.
pub const MAX_QUARTERS: usize = 8;

/// The financial quarters (from April, July, October, January) `from`–`to` spans, each
/// cut to the period; `MAX_QUARTERS + 1` at most (enough to know there are too many).
pub fn quarters_of(from: jiff::civil::Date, to: jiff::civil::Date) -> Vec<(jiff::civil::Date, jiff::civil::Date)> {
    let mut out = vec![];
    let mut start = from;
    while start <= to && out.len() <= MAX_QUARTERS {
        let month = start.month();
        let next_month = match month {
            1..=3 => 4,
            4..=6 => 7,
            7..=9 => 10,
            _ => 13,
        };
        let next = if next_month == 13 {
            jiff::civil::date(start.year() + 1, 1, 1)
        } else {
            jiff::civil::date(start.year(), next_month, 1)
        };
        let end = next.yesterday().unwrap_or(next).min(to);
        out.push((start, end));
        start = next;
    }
    out
}

/// A measure's paired change over `scores`, or `None` without pairs.
fn change_of(m: &Measure, scores: &[CaseScore], threshold: f64) -> Option<PairedChange> {
    let rows: Vec<(&str, _, _, f64)> =
        scores.iter().map(|s| (s.referral_id.as_str(), s.timepoint, s.answered_on, s.value)).collect();
    paired_change(m, &baseline_and_latest(&rows), threshold)
}

/// A measure's change as a row. A commissioner's is coarser, so that figures over a few
/// people cannot be worked back to counts: means to one decimal place, the share improving
/// to a whole percent — and `*` when the people improving, or not, are 1 to 7.
fn change_row(label: &str, c: &PairedChange, audience: Audience) -> linkwell_domain::reporting::tables::StatRow {
    let coarse = audience == Audience::Commissioner;
    let tenth = |v: f64| if coarse { (v * 10.0).round() / 10.0 } else { v };
    let share = if coarse { (c.improved_share * 100.0).round() } else { c.improved_share * 100.0 };
    let mut row = stat_row(
        label,
        c.n as u64,
        &[
            Some(tenth(c.mean_change)),
            c.ci95.map(|ci| tenth(ci.0)),
            c.ci95.map(|ci| tenth(ci.1)),
            Some(share),
            Some(c.threshold),
            c.wilcoxon_p,
        ],
        audience,
    );
    let improved = (c.improved_share * c.n as f64).round() as u64;
    let few = |k: u64| (1..=suppression::SUPPRESS_UP_TO).contains(&k);
    if coarse && (few(improved) || few(c.n as u64 - improved.min(c.n as u64))) {
        row.values[3] = Some(Shown::Suppressed);
    }
    row
}

/// A referral status code as reports name it.
fn status_label(code: &str) -> &'static str {
    match code {
        "received" => "Waiting for triage",
        "accepted" => "Accepted",
        "contacting" => "Being contacted",
        "active" => "Being supported",
        "discharged" => "Discharged",
        "declined" => "Declined",
        "redirected" => "Redirected",
        "unable_to_contact" => "Unable to contact",
        _ => "Other",
    }
}

/// The organisation's programmes, practices and link workers, for a report's filters.
pub async fn choices(
    db: &Db,
    scope: &OrgScope,
) -> Result<(Vec<(String, String)>, Vec<(String, String)>, Vec<(String, String)>), StoreError> {
    let programmes = db.programmes(scope).await?.into_iter().map(|p| (p.id.to_string(), p.name)).collect();
    let practices = db.practices_by_name(scope).await?.into_iter().map(|p| (p.id.to_string(), p.name)).collect();
    let workers = crate::casework::team_loads(db, scope)
        .await?
        .into_iter()
        .map(|w| (w.worker.id.to_string(), w.worker.display_name))
        .collect();
    Ok((programmes, practices, workers))
}

/// A report's tables as rows of text, each table titled: the one shape CSV and XLSX are
/// written from, so both say exactly what the page says (suppressed cells as `*`).
pub struct Sheet {
    /// A short name (its worksheet's), unique in the report.
    pub name: String,
    pub title: String,
    pub rows: Vec<Vec<SheetCell>>,
}

/// A cell of a sheet: text, or a number a spreadsheet can add up.
#[derive(Debug, Clone, PartialEq)]
pub enum SheetCell {
    Text(String),
    Number(f64),
}

fn cell(s: &Option<Shown>) -> SheetCell {
    match s {
        Some(Shown::Count(n)) => SheetCell::Number(*n as f64),
        Some(Shown::Value(v)) => SheetCell::Number(*v),
        Some(Shown::Suppressed) => SheetCell::Text("*".into()),
        None => SheetCell::Text(String::new()),
    }
}

/// The report as sheets: its period and filters first, then each table.
pub fn sheets(r: &Report) -> Vec<Sheet> {
    let text = |s: &str| SheetCell::Text(s.to_owned());
    let mut about = vec![
        vec![text("From"), text(&r.from)],
        vec![text("To"), text(&r.to)],
        vec![text("Programme"), text(if r.programme.is_empty() { "All" } else { &r.programme })],
        vec![text("Practice"), text(if r.practice.is_empty() { "All" } else { &r.practice })],
        vec![text("Link worker"), text(if r.worker.is_empty() { "All" } else { &r.worker })],
    ];
    if r.suppressed {
        about.push(vec![text(
            "Small numbers suppressed: 1 to 7 shown as *, other counts to the nearest 5, statistics over 7 people or fewer as *",
        )]);
    }
    about.extend(r.headlines.iter().map(|h| vec![text(h.label), cell(&h.value)]));
    let mut out = vec![Sheet { name: "summary".into(), title: "Summary".into(), rows: about }];
    for t in &r.counts {
        let several = t.grand.is_some();
        let mut head = vec![text(&t.row_heading)];
        head.extend(t.columns.iter().map(|c| text(c)));
        if several {
            head.push(text("Total"));
        }
        let mut rows = vec![head];
        for row in &t.rows {
            let mut line = vec![text(&row.label)];
            line.extend(row.cells.iter().map(|c| cell(&Some(*c))));
            if several {
                line.push(cell(&row.total));
            }
            rows.push(line);
        }
        let mut total = vec![text("Total")];
        total.extend(t.totals.iter().map(|c| cell(&Some(*c))));
        if several {
            total.push(cell(&t.grand));
        }
        rows.push(total);
        out.push(Sheet { name: t.key.into(), title: t.title.clone(), rows });
    }
    for t in &r.statistics {
        let mut head = vec![text(&t.row_heading), text("Number")];
        head.extend(t.columns.iter().map(|c| text(c)));
        let mut rows = vec![head];
        for row in &t.rows {
            let mut line = vec![text(&row.label), cell(&Some(row.n))];
            line.extend(row.values.iter().map(cell));
            rows.push(line);
        }
        out.push(Sheet { name: t.key.into(), title: t.title.clone(), rows });
    }
    out
}

/// The report as one CSV file: each table under its title, a blank line between.
pub fn to_csv(r: &Report) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::WriterBuilder::new().flexible(true).from_writer(vec![]);
    for (i, sheet) in sheets(r).iter().enumerate() {
        if i > 0 {
            w.write_record([""])?;
        }
        w.write_record([sheet.title.as_str()])?;
        for row in &sheet.rows {
            w.write_record(row.iter().map(|c| match c {
                SheetCell::Text(t) => csv_safe(t),
                SheetCell::Number(n) => n.to_string(),
            }))?;
        }
    }
    w.into_inner().map_err(|e| e.into_error().into())
}

/// Text that a spreadsheet would read as a formula (=, +, -, @, a tab or a return first) is
/// quoted with a leading
/// apostrophe: a practice or programme name is typed by people.
fn csv_safe(t: &str) -> String {
    if t.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{t}") } else { t.to_owned() }
}

/// The report as an XLSX workbook, one sheet per table.
pub fn to_xlsx(r: &Report) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for sheet in sheets(r) {
        let ws = book.add_worksheet();
        // Sheet names are at most 31 characters.
        ws.set_name(sheet.name.chars().take(31).collect::<String>())?;
        ws.write_string_with_format(0, 0, &sheet.title, &bold)?;
        for (i, row) in sheet.rows.iter().enumerate() {
            let at = u32::try_from(i + 2).unwrap_or(u32::MAX);
            for (j, c) in row.iter().enumerate() {
                let col = u16::try_from(j).unwrap_or(u16::MAX);
                match c {
                    SheetCell::Text(t) => ws.write_string(at, col, t)?,
                    SheetCell::Number(n) => ws.write_number(at, col, *n)?,
                };
            }
        }
        ws.set_column_width(0, 48)?;
    }
    book.save_to_buffer()
}

/// The social prescribing minimum dataset extract of the referrals received in the
/// period `fields` asks for, as CSV: one row a referral, pseudonymised (see
/// `reporting::dataset`). For the team only — it is person-level, however pseudonymised —
/// and audited as viewed in the format "dataset.csv".
pub async fn dataset(db: &Db, caller: &Caller, fields: &ReportFields) -> Result<Dataset, CaseError> {
    use linkwell_domain::outcomes::instruments::Timepoint;
    use linkwell_domain::reporting::dataset::{DatasetRow, MEASURES, age_band, pseudonym};
    let Resolved { filter, audience, .. } = resolve(db, caller, fields).await?;
    // Fails closed: a role that sees reports only suppressed never has rows.
    if audience != Audience::Team {
        return Err(CaseError::NotYours);
    }
    let scope = caller.scope();
    let org = scope.organisation_id().to_string();
    let cases = db.dataset_cases(&scope, &filter).await?;
    let activity = db.dataset_activity(&scope, &filter, &MEASURES).await?;
    // (referral, measure) → its scores, as pairing reads them.
    type Scores<'a> = Vec<(&'a str, Timepoint, jiff::civil::Date, f64)>;
    let mut scores: std::collections::HashMap<(&str, &str), Scores> = Default::default();
    for (r, m, t, on, v) in &activity.scores {
        scores.entry((r.as_str(), m.as_str())).or_default().push((r.as_str(), *t, *on, *v));
    }
    let day = |ms: i64| linkwell_domain::time::london_date(ms).to_string();
    let mut rows = vec![DatasetRow::header()];
    for c in &cases {
        let received = linkwell_domain::time::london_date(c.received_at);
        let connections = activity.connections.get(&c.referral_id).map(Vec::as_slice).unwrap_or_default();
        let of_kind = |k: &str| connections.iter().filter(|(kind, _, _)| kind == k).map(|(_, _, n)| n).sum::<u64>();
        let started = connections
            .iter()
            .filter(|(_, o, _)| matches!(o.as_deref(), Some("started" | "attending_6_weeks")))
            .map(|(_, _, n)| n)
            .sum::<u64>();
        let sessions = activity.sessions.get(&c.referral_id).copied();
        // Coming to a session is contact made, whichever came first.
        let contact = match (activity.first_contact.get(&c.referral_id).copied(), sessions.map(|s| s.0)) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let outcomes = MEASURES
            .iter()
            .map(|m| {
                let mine = scores.get(&(c.referral_id.as_str(), *m)).map(Vec::as_slice).unwrap_or_default();
                let baseline = mine.iter().filter(|s| s.1 == Timepoint::Baseline).min_by_key(|s| s.2).map(|s| s.3);
                let pair = baseline_and_latest(mine);
                (baseline, pair.first().map(|p| p.1))
            })
            .collect();
        let row = DatasetRow {
            person: pseudonym(&org, "person", &c.person_id),
            referral: pseudonym(&org, "referral", &c.referral_id),
            age_band: c.date_of_birth.parse().map(|b| age_band(b, received).to_owned()).unwrap_or_default(),
            sex: c.sex.clone(),
            ethnic_category: c.ethnic_category.clone().unwrap_or_default(),
            practice_code: c.practice_code.clone().unwrap_or_default(),
            postcode_district: c
                .postcode
                .as_deref()
                .and_then(|p| linkwell_domain::people::Postcode::parse(p).ok())
                .map(|p| p.outward().to_owned())
                .unwrap_or_default(),
            received_on: received.to_string(),
            source: c.source.clone(),
            needs: c.needs.replace(',', ";"),
            status: c.status.clone(),
            first_contact_on: contact.map(day).unwrap_or_default(),
            first_session_on: sessions.map(|s| day(s.0)).unwrap_or_default(),
            sessions_attended: sessions.map_or(0, |s| s.1),
            signposted: of_kind("signposted"),
            referred: of_kind("referred"),
            accompanied: of_kind("accompanied"),
            connections_started: started,
            discharged_on: if c.status == "discharged" { day(c.status_changed_at) } else { String::new() },
            discharge_reason: c.discharge_reason.clone().unwrap_or_default(),
            outcomes,
        };
        rows.push(row.cells());
    }
    audit_view(db, caller, "dataset.csv", &filter).await?;
    Ok(Dataset { rows, from: filter.from.to_string(), to: filter.to.to_string() })
}

/// A dataset extract: its rows (the header first) and the period it covers.
pub struct Dataset {
    pub rows: Vec<Vec<String>>,
    pub from: String,
    pub to: String,
}

impl Dataset {
    /// As CSV, text a spreadsheet would take for a formula quoted.
    pub fn to_csv(&self) -> Result<Vec<u8>, csv::Error> {
        let mut w = csv::Writer::from_writer(vec![]);
        for row in &self.rows {
            w.write_record(row.iter().map(|t| csv_safe(t)))?;
        }
        w.into_inner().map_err(|e| e.into_error().into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn a_year_is_four_financial_quarters_and_a_part_is_cut_to_the_period() {
        let q = quarters_of(date(2026, 4, 1), date(2027, 3, 31));
        assert_eq!(q.len(), 4);
        assert_eq!(q[0], (date(2026, 4, 1), date(2026, 6, 30)));
        assert_eq!(q[3], (date(2027, 1, 1), date(2027, 3, 31)));
        assert_eq!(
            quarters_of(date(2026, 5, 15), date(2026, 8, 2)),
            [(date(2026, 5, 15), date(2026, 6, 30)), (date(2026, 7, 1), date(2026, 8, 2))]
        );
        assert_eq!(quarters_of(date(2020, 1, 1), date(2029, 12, 31)).len(), MAX_QUARTERS + 1, "stops counting");
    }
}
