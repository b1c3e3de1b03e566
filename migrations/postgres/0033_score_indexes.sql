-- What the outcomes report reads, from indexes alone (issue 14): the cases with a later
-- score of a measure in a period (measure, date, timepoint, case), then each of those
-- cases' scores of it (case, measure, date, timepoint, value). The second replaces the
-- index on (case, measure), of which it is a longer copy.
DROP INDEX outcome_scores_measure;
CREATE INDEX outcome_scores_measure ON outcome_scores (organisation_id, measure, answered_on, timepoint, referral_id);
DROP INDEX outcome_scores_case;
CREATE INDEX outcome_scores_case ON outcome_scores (organisation_id, referral_id, measure, answered_on, timepoint, value);
