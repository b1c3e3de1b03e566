-- Consent to share the summary of a person's support with their GP practice, asked apart
-- from consent to share with community services. No one has given it yet: existing
-- records read "no" until it is asked (the practice then reads codes and dates only).
ALTER TABLE people ADD COLUMN consent_share_practice INTEGER NOT NULL DEFAULT 0 CHECK (consent_share_practice IN (0, 1));
