"""The reports benchmark's DuckDB side (crates/linkwell/benches/reports.rs): load the
CSVs the benchmark exported into in-memory tables (not timed), then run each report's
query as the store runs it, with the same period, and print each one's median time in ms
as JSON.

Usage: bench-duckdb.py DIR ORG FROM_MS TO_MS FROM_DAY TO_DAY RUNS
"""

import json
import statistics
import sys
import time

import duckdb

TABLES = {
    "referrals": {
        "organisation_id": "VARCHAR", "id": "VARCHAR", "person_id": "VARCHAR", "programme_id": "VARCHAR",
        "practice_id": "VARCHAR", "source": "VARCHAR", "needs": "VARCHAR", "status": "VARCHAR",
        "received_at": "BIGINT", "assigned_worker_id": "VARCHAR",
    },
    "sessions": {
        "organisation_id": "VARCHAR", "id": "VARCHAR", "referral_id": "VARCHAR", "worker_id": "VARCHAR",
        "kind": "VARCHAR", "mode": "VARCHAR", "status": "VARCHAR", "starts_at": "BIGINT",
    },
    "referral_events": {
        "organisation_id": "VARCHAR", "referral_id": "VARCHAR", "seq": "BIGINT", "at": "BIGINT", "event": "VARCHAR",
    },
    "outcome_scores": {
        "organisation_id": "VARCHAR", "response_id": "VARCHAR", "referral_id": "VARCHAR", "measure": "VARCHAR",
        "value": "DOUBLE", "timepoint": "VARCHAR", "answered_on": "VARCHAR",
    },
    "unmet_needs": {
        "organisation_id": "VARCHAR", "id": "VARCHAR", "need": "VARCHAR", "area": "VARCHAR",
        "referral_id": "VARCHAR", "recorded_at": "BIGINT",
    },
}

# Each report's query exactly as crates/store/src/reports.rs sends it for the team's
# report (no programme, practice or worker chosen: those filters drop out).
QUERIES = {
    "referrals": (
        "SELECT r.practice_id, r.source, r.needs, r.status, COUNT(*) FROM referrals r "
        "WHERE r.organisation_id = $org AND r.received_at >= $from_ms AND r.received_at < $to_ms "
        "GROUP BY r.practice_id, r.source, r.needs, r.status"
    ),
    "people_seen": (
        "SELECT COUNT(DISTINCT r.person_id) FROM sessions s JOIN referrals r ON r.organisation_id = s.organisation_id AND r.id = s.referral_id "
        "WHERE s.organisation_id = $org AND s.starts_at >= $from_ms AND s.starts_at < $to_ms AND s.status = 'attended'"
    ),
    "sessions": (
        "SELECT s.kind, s.mode, s.status, COUNT(*) FROM sessions s JOIN referrals r ON r.organisation_id = s.organisation_id AND r.id = s.referral_id "
        "WHERE s.organisation_id = $org AND s.starts_at >= $from_ms AND s.starts_at < $to_ms GROUP BY s.kind, s.mode, s.status"
    ),
    "waits": (
        "SELECT r.received_at, "
        "(SELECT MIN(e.at) FROM referral_events e WHERE e.organisation_id = r.organisation_id AND e.referral_id = r.id AND e.event IN ('contact_attempt_reached', 'contact_made')), "
        "(SELECT MIN(s.starts_at) FROM sessions s WHERE s.organisation_id = r.organisation_id AND s.referral_id = r.id AND s.status = 'attended') "
        "FROM referrals r WHERE r.organisation_id = $org AND r.received_at >= $from_ms AND r.received_at < $to_ms LIMIT 1000000"
    ),
    "swemwbs_scores": (
        "SELECT s.referral_id, s.timepoint, s.answered_on, s.value, r.practice_id, r.needs FROM outcome_scores s "
        "JOIN referrals r ON r.organisation_id = s.organisation_id AND r.id = s.referral_id "
        "WHERE s.organisation_id = $org AND s.measure = 'swemwbs' AND s.answered_on <= $to_day "
        "AND EXISTS (SELECT 1 FROM outcome_scores q WHERE q.organisation_id = s.organisation_id AND q.referral_id = s.referral_id "
        "AND q.measure = s.measure AND q.timepoint <> 'baseline' AND q.answered_on >= $from_day AND q.answered_on <= $to_day)"
    ),
    "unmet_needs": (
        "SELECT u.need, u.area, COUNT(*) FROM unmet_needs u LEFT JOIN referrals r ON r.organisation_id = u.organisation_id AND r.id = u.referral_id "
        "WHERE u.organisation_id = $org AND u.recorded_at >= $from_ms AND u.recorded_at < $to_ms GROUP BY u.need, u.area"
    ),
}


def main():
    directory, org, from_ms, to_ms, from_day, to_day, runs = sys.argv[1:8]
    con = duckdb.connect()
    for table, columns in TABLES.items():
        con.execute(
            f"CREATE TABLE {table} AS SELECT * FROM read_csv($path, header = true, columns = $columns)",
            {"path": f"{directory}/{table}.csv", "columns": columns},
        )
    params = {"org": org, "from_ms": int(from_ms), "to_ms": int(to_ms), "from_day": from_day, "to_day": to_day}
    out = {}
    for name, sql in QUERIES.items():
        used = {k: v for k, v in params.items() if f"${k}" in sql}
        con.execute(sql, used).fetchall()
        times = []
        for _ in range(max(1, int(runs))):
            started = time.perf_counter()
            con.execute(sql, used).fetchall()
            times.append((time.perf_counter() - started) * 1000)
        out[name] = statistics.median(times)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
