-- Issue 10 (hostile input). An NHS number given by a referrer or the person themselves
-- that matches a known record whose details differ is kept here, not in nhs_number: the
-- referral gets a record of its own, flagged at triage for the coordinator to merge.
ALTER TABLE people ADD COLUMN unconfirmed_nhs_number TEXT;
