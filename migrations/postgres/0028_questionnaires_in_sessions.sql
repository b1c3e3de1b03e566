-- Questionnaires given in a session (issue 14): the session a link worker recorded one in,
-- each questionnaire at most once a session (a second tap records nothing new); and what
-- the caseload asks of a case's responses: has it a baseline yet.

ALTER TABLE questionnaire_responses ADD COLUMN session_id TEXT;
CREATE UNIQUE INDEX questionnaire_responses_once_a_session
    ON questionnaire_responses (organisation_id, session_id, instrument) WHERE session_id IS NOT NULL;
CREATE INDEX questionnaire_responses_case ON questionnaire_responses (organisation_id, referral_id, timepoint);
