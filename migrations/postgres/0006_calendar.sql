-- Calendar feeds: a secret, revocable URL per worker for their sessions (iCalendar).
-- Looked up by the token's hash, like API tokens; one live feed per user.

CREATE TABLE calendar_feeds (
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT,
    PRIMARY KEY (organisation_id, id),
    FOREIGN KEY (organisation_id, user_id) REFERENCES users (organisation_id, id)
);
CREATE UNIQUE INDEX calendar_feeds_hash ON calendar_feeds (token_hash);
CREATE INDEX calendar_feeds_user ON calendar_feeds (organisation_id, user_id);
