-- A worker's referrals in id order. "A worker's caseload, newest first" walks this index
-- backwards and stops at the page, whatever the planner's statistics say. The index it
-- replaces ended in status, which left SQLite — without statistics, or with a reader's
-- stale ones — walking every referral of the organisation backwards by id to find one
-- worker's (900 ms at 250,000 referrals, against 5 ms).
DROP INDEX referrals_worker;
CREATE INDEX referrals_worker ON referrals (organisation_id, assigned_worker_id, id);
