-- Each worker's open cases as counts (the coordinator's home page, the assign chooser):
-- the open referrals only, by worker and status, so the count reads this index alone
-- instead of every referral's row.
CREATE INDEX referrals_open_by_worker ON referrals (organisation_id, assigned_worker_id, status)
    WHERE status IN ('accepted', 'contacting', 'active');
