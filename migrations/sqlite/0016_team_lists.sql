-- Team lists sort by when a referral was received (which imports and the demo may set in
-- the past, so it is not the id's order): a page of "newest received" or "oldest received"
-- reads this index from one end and stops at the page.
CREATE INDEX referrals_received ON referrals (organisation_id, received_at, id);

-- The NHS number as the referral gave it (NULL if it gave none), kept with the referral like
-- the names and date of birth: a referrer's list shows it and searches by it, never the
-- person record's (which a merge or another referral may have set). Referrals made before
-- have none: what they gave was not kept, and the record's may not be it.
ALTER TABLE referrals ADD COLUMN referred_nhs_number TEXT;

-- A reference to read out over the phone (LW-4K7-Q2M: six characters with no look-alikes),
-- unique in the organisation. Referrals made before are given theirs by the application
-- when this migration runs (`reference_every_referral_in`).
ALTER TABLE referrals ADD COLUMN reference TEXT;
CREATE UNIQUE INDEX referrals_reference ON referrals (organisation_id, reference);

-- The expected wait on a referral's confirmation: the most recent first contacts (a
-- referral becoming active), newest first, from this index alone.
CREATE INDEX referral_events_reached ON referral_events (organisation_id, to_status, at);

-- Everyone's referrals by name: people walked in the order the list sorts by (case aside),
-- so a page of the whole organisation by name stops at the page.
CREATE INDEX people_by_name ON people (organisation_id, lower(family_name), lower(given_name), id);
