-- Team lists sort by when a referral was received (which imports and the demo may set in
-- the past, so it is not the id's order): a page of "newest received" or "oldest received"
-- reads this index from one end and stops at the page.
CREATE INDEX referrals_received ON referrals (organisation_id, received_at, id);

-- The NHS number as the referral gave it (NULL if it gave none), kept with the referral like
-- the names and date of birth: a referrer's list shows it and searches by it, never the
-- person record's (which a merge or another referral may have set). Referrals made before
-- take their person's, as `referred_given_name` did.
ALTER TABLE referrals ADD COLUMN referred_nhs_number TEXT;
UPDATE referrals SET referred_nhs_number = (SELECT p.nhs_number FROM people p WHERE p.organisation_id = referrals.organisation_id AND p.id = referrals.person_id);

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
