-- The coordinator's waiting figures (how many wait, are not assigned, are urgent, are
-- close to or past the response window) count the waiting list's entries alone: the
-- waiting index carries whether each is assigned, so the count reads no table row.
DROP INDEX referrals_waiting;
CREATE INDEX referrals_waiting ON referrals (organisation_id, urgency_rank, received_at, id, assigned_worker_id)
    WHERE status IN ('received', 'accepted', 'contacting');

-- Who referred: self-referrals, imports and sheets have no referrer. Left in the index,
-- those rows made one "value" of most of the table, and the planner (which plans from
-- the statistics alone, not from the values bound) judged a referrer's own referrals
-- a scan; a referrer's home then read every referral.
DROP INDEX referrals_referrer;
CREATE INDEX referrals_referrer ON referrals (organisation_id, referrer_user_id, id) WHERE referrer_user_id IS NOT NULL;

-- Likewise whom a referral is assigned to: the unassigned are found from the waiting
-- index above (most urgent first), never as one worker among the others.
DROP INDEX referrals_worker;
CREATE INDEX referrals_worker ON referrals (organisation_id, assigned_worker_id, id) WHERE assigned_worker_id IS NOT NULL;
