-- Sessions with a link worker, and each worker's working hours.

CREATE TABLE working_hours (
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    user_id TEXT NOT NULL,
    -- ISO weekday: 1 Monday … 7 Sunday.
    weekday BIGINT NOT NULL CHECK (weekday BETWEEN 1 AND 7),
    -- London wall-clock times, HH:MM.
    starts TEXT NOT NULL,
    ends TEXT NOT NULL,
    PRIMARY KEY (organisation_id, user_id, weekday),
    FOREIGN KEY (organisation_id, user_id) REFERENCES users (organisation_id, id)
);

CREATE TABLE sessions (
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    id TEXT NOT NULL,
    referral_id TEXT NOT NULL,
    worker_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('initial', 'follow_up')),
    mode TEXT NOT NULL CHECK (mode IN ('in_person', 'home_visit', 'telephone', 'video')),
    room_id TEXT,
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('booked', 'attended', 'did_not_attend', 'cancelled_by_person', 'cancelled_by_service')),
    notes TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    PRIMARY KEY (organisation_id, id),
    FOREIGN KEY (organisation_id, referral_id) REFERENCES referrals (organisation_id, id),
    FOREIGN KEY (organisation_id, worker_id) REFERENCES users (organisation_id, id),
    FOREIGN KEY (organisation_id, room_id) REFERENCES rooms (organisation_id, id)
);
CREATE INDEX sessions_worker ON sessions (organisation_id, worker_id, starts_at);
CREATE INDEX sessions_room ON sessions (organisation_id, room_id, starts_at);
CREATE INDEX sessions_referral ON sessions (organisation_id, referral_id, starts_at);
