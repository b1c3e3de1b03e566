-- When each user last signed in, for the users list; filled from the audit trail.
ALTER TABLE users ADD COLUMN last_signed_in_at INTEGER;
UPDATE users SET last_signed_in_at = (SELECT MAX(a.at) FROM audit_log a WHERE a.organisation_id = users.organisation_id AND a.actor_user_id = users.id AND a.action = 'sign_in');
