-- A referral closed as unable to contact keeps its count of failed contact attempts (it
-- was set to 0 on closing). Counted again from the referral's history.
UPDATE referrals SET failed_attempts = (
    SELECT COUNT(*) FROM referral_events e
    WHERE e.organisation_id = referrals.organisation_id AND e.referral_id = referrals.id AND e.event = 'contact_attempt_failed'
) WHERE status = 'unable_to_contact';
