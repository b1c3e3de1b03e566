-- Feedback after a group session (a rating from 1 to 5 and a comment) and the one-time
-- links that ask for it; and members' stories, kept only with their consent, with what may
-- be shown of each. A feedback link's secret is kept only as its SHA-256; a withdrawn
-- story keeps no words, only that it was given and withdrawn, and when.

CREATE TABLE group_feedback (
    organisation_id TEXT NOT NULL,
    id TEXT NOT NULL,
    service_id TEXT NOT NULL,
    session_id TEXT NOT NULL,
    -- The member whose link gave it; none for feedback recorded on the day.
    member_id TEXT,
    rating BIGINT NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comment TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL CHECK (source IN ('link', 'facilitator')),
    recorded_by TEXT,
    -- The key of the form it was recorded on: the same form sent twice records once.
    form_key TEXT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (organisation_id, id),
    FOREIGN KEY (organisation_id, session_id) REFERENCES group_sessions (organisation_id, id),
    FOREIGN KEY (organisation_id, member_id) REFERENCES group_members (organisation_id, id)
);
-- One record per form (NULLs, feedback by a link, are all distinct).
CREATE UNIQUE INDEX group_feedback_form ON group_feedback (organisation_id, session_id, form_key);
-- A group's feedback, newest first.
CREATE INDEX group_feedback_group ON group_feedback (organisation_id, service_id, created_at);

CREATE TABLE group_feedback_links (
    organisation_id TEXT NOT NULL,
    key_hash TEXT NOT NULL,
    session_id TEXT NOT NULL,
    member_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    PRIMARY KEY (organisation_id, key_hash),
    FOREIGN KEY (organisation_id, session_id) REFERENCES group_sessions (organisation_id, id),
    FOREIGN KEY (organisation_id, member_id) REFERENCES group_members (organisation_id, id)
);
-- A link opened: its secret is all it brings, so it is found across organisations.
CREATE UNIQUE INDEX group_feedback_links_hash ON group_feedback_links (key_hash);
-- One follow-up per member per session, however often its register is saved.
CREATE UNIQUE INDEX group_feedback_links_once ON group_feedback_links (organisation_id, session_id, member_id);

CREATE TABLE group_stories (
    organisation_id TEXT NOT NULL,
    id TEXT NOT NULL,
    service_id TEXT NOT NULL,
    member_id TEXT NOT NULL,
    -- Empty once withdrawn.
    story TEXT NOT NULL,
    display TEXT NOT NULL CHECK (display IN ('first_name', 'anonymous', 'not_shown')),
    given_on TEXT NOT NULL,
    recorded_by TEXT,
    recorded_at BIGINT NOT NULL,
    withdrawn_at BIGINT,
    -- `member` (by their link) or the id of the user who withdrew it for them.
    withdrawn_by TEXT,
    version BIGINT NOT NULL DEFAULT 1,
    PRIMARY KEY (organisation_id, id),
    FOREIGN KEY (organisation_id, member_id) REFERENCES group_members (organisation_id, id)
);
CREATE INDEX group_stories_group ON group_stories (organisation_id, service_id, recorded_at);
CREATE INDEX group_stories_member ON group_stories (organisation_id, member_id);
