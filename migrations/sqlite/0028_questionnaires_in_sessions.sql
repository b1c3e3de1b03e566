-- Questionnaires given in a session (issue 14): the session a link worker recorded one in,
-- each questionnaire at most once a session (a second tap records nothing new); what the
-- caseload asks of a case's responses (has it a baseline yet); and what reports read: a
-- case's scores of a measure, and the sessions in a period.

ALTER TABLE questionnaire_responses ADD COLUMN session_id TEXT;
CREATE UNIQUE INDEX questionnaire_responses_once_a_session
    ON questionnaire_responses (organisation_id, session_id, instrument) WHERE session_id IS NOT NULL;
CREATE INDEX questionnaire_responses_case ON questionnaire_responses (organisation_id, referral_id, timepoint);
CREATE INDEX outcome_scores_case ON outcome_scores (organisation_id, referral_id, measure);
CREATE INDEX sessions_starts ON sessions (organisation_id, starts_at);
