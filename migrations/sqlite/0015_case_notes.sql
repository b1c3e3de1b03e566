-- Case notes (issue 12): a note about a case with the day it happened, its kind and a
-- safeguarding mark. A correction adds a version with its reason; no version is ever
-- changed, so every version stays readable.
CREATE TABLE case_notes (
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    id TEXT NOT NULL,
    version INTEGER NOT NULL CHECK (version >= 1),
    referral_id TEXT NOT NULL,
    -- ISO date the note is of.
    written_on TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('note', 'call', 'meeting', 'message', 'concern')),
    safeguarding INTEGER NOT NULL CHECK (safeguarding IN (0, 1)),
    body TEXT NOT NULL,
    author_user_id TEXT,
    recorded_at INTEGER NOT NULL,
    -- Why this version corrects the one before (none on the first).
    correction_reason TEXT,
    PRIMARY KEY (organisation_id, id, version),
    FOREIGN KEY (organisation_id, referral_id) REFERENCES referrals (organisation_id, id),
    FOREIGN KEY (organisation_id, author_user_id) REFERENCES users (organisation_id, id)
);
CREATE INDEX case_notes_referral ON case_notes (organisation_id, referral_id, id, version);
