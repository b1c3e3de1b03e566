-- The meaningful-change thresholds an organisation sets for the built-in questionnaires'
-- measures (issue 14), in place of the published defaults; a measure with no row keeps
-- its default. Each save replaces the organisation's rows and is audited.
CREATE TABLE meaningful_changes (
    organisation_id TEXT NOT NULL,
    measure TEXT NOT NULL,
    threshold DOUBLE PRECISION NOT NULL CHECK (threshold > 0),
    changed_by TEXT,
    changed_at BIGINT NOT NULL,
    PRIMARY KEY (organisation_id, measure)
);
