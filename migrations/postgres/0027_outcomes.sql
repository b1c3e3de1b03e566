-- Questionnaires as answered (issue 14): which one and the version of its definition, when
-- in the person's support, the day, each answer as given, who recorded it and how; and
-- each score they gave, one row per measure, so reports add up scores without reading
-- answers. A questionnaire too incomplete to score has no score rows.

CREATE TABLE questionnaire_responses (
    organisation_id TEXT NOT NULL,
    id TEXT NOT NULL,
    person_id TEXT NOT NULL,
    referral_id TEXT NOT NULL,
    instrument TEXT NOT NULL,
    instrument_version BIGINT NOT NULL,
    timepoint TEXT NOT NULL CHECK (timepoint IN ('baseline', 'review', 'discharge', 'follow_up')),
    answered_on TEXT NOT NULL,
    -- The answers in item order, comma-separated, an empty place for one not given.
    answers TEXT NOT NULL,
    recorded_by TEXT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (organisation_id, id),
    FOREIGN KEY (organisation_id, person_id) REFERENCES people (organisation_id, id),
    FOREIGN KEY (organisation_id, referral_id) REFERENCES referrals (organisation_id, id)
);
CREATE INDEX questionnaire_responses_person ON questionnaire_responses (organisation_id, person_id, answered_on);

CREATE TABLE outcome_scores (
    organisation_id TEXT NOT NULL,
    response_id TEXT NOT NULL,
    referral_id TEXT NOT NULL,
    measure TEXT NOT NULL,
    value DOUBLE PRECISION NOT NULL,
    timepoint TEXT NOT NULL,
    answered_on TEXT NOT NULL,
    PRIMARY KEY (organisation_id, response_id, measure),
    FOREIGN KEY (organisation_id, response_id) REFERENCES questionnaire_responses (organisation_id, id)
);
-- A measure's scores over a period, for reports.
CREATE INDEX outcome_scores_measure ON outcome_scores (organisation_id, measure, answered_on);
