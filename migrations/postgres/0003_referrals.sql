-- Referrals and their history of lifecycle events.

CREATE TABLE referrals (
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    id TEXT NOT NULL,
    person_id TEXT NOT NULL,
    programme_id TEXT NOT NULL,
    source TEXT NOT NULL,
    referrer_user_id TEXT,
    practice_id TEXT,
    received_at BIGINT NOT NULL,
    urgency TEXT NOT NULL CHECK (urgency IN ('urgent', 'soon', 'routine')),
    -- 0 urgent, 1 soon, 2 routine: the waiting list sorts on it.
    urgency_rank BIGINT NOT NULL,
    -- Need codes, comma-separated.
    needs TEXT NOT NULL,
    risk_flags TEXT NOT NULL DEFAULT '',
    safeguarding BOOLEAN NOT NULL,
    free_text TEXT NOT NULL DEFAULT '',
    consent_confirmed BOOLEAN NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('received', 'accepted', 'contacting', 'unable_to_contact', 'declined', 'redirected', 'active', 'discharged')),
    failed_attempts BIGINT NOT NULL DEFAULT 0,
    assigned_worker_id TEXT,
    follow_up_extension BIGINT NOT NULL DEFAULT 0,
    extension_reason TEXT,
    decline_reason TEXT,
    redirected_to TEXT,
    discharge_reason TEXT,
    discharge_summary TEXT,
    -- ISO date of the current plan's next review (copied from the plan when it is saved),
    -- so caseloads can show overdue reviews without reading every plan.
    next_review TEXT,
    status_changed_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    PRIMARY KEY (organisation_id, id),
    FOREIGN KEY (organisation_id, person_id) REFERENCES people (organisation_id, id),
    FOREIGN KEY (organisation_id, programme_id) REFERENCES programmes (organisation_id, id),
    FOREIGN KEY (organisation_id, practice_id) REFERENCES practices (organisation_id, id),
    FOREIGN KEY (organisation_id, referrer_user_id) REFERENCES users (organisation_id, id),
    FOREIGN KEY (organisation_id, assigned_worker_id) REFERENCES users (organisation_id, id)
);
-- The waiting list: only open, not-yet-seen referrals, already in the list's order.
CREATE INDEX referrals_waiting ON referrals (organisation_id, urgency_rank, received_at, id)
    WHERE status IN ('received', 'accepted', 'contacting');
CREATE INDEX referrals_person ON referrals (organisation_id, person_id);
CREATE INDEX referrals_worker ON referrals (organisation_id, assigned_worker_id, status);
CREATE INDEX referrals_practice ON referrals (organisation_id, practice_id, id);
CREATE INDEX referrals_referrer ON referrals (organisation_id, referrer_user_id, id);

CREATE TABLE referral_events (
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    referral_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    at BIGINT NOT NULL,
    actor_user_id TEXT,
    event TEXT NOT NULL,
    from_status TEXT NOT NULL,
    to_status TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (organisation_id, referral_id, seq),
    FOREIGN KEY (organisation_id, referral_id) REFERENCES referrals (organisation_id, id)
);
