-- An organisation's own questionnaires (issue 14): each version of a definition, kept as
-- JSON and never changed once written, so answers given under it keep its meaning.
-- Retiring takes a questionnaire off the lists (every version at once); its answers and
-- scores stay.

CREATE TABLE own_questionnaires (
    organisation_id TEXT NOT NULL,
    code TEXT NOT NULL,
    version BIGINT NOT NULL,
    name TEXT NOT NULL,
    definition TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    retired_at BIGINT,
    PRIMARY KEY (organisation_id, code, version)
);
