-- Foundation: organisations, practices, sites, rooms, users, API tokens, password
-- resets, web sessions and the audit chain. Instants are INTEGER epoch milliseconds (UTC).
-- Every tenant table leads its keys with organisation_id.

CREATE TABLE organisations (
    id TEXT NOT NULL PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    test_mode INTEGER NOT NULL DEFAULT 0 CHECK (test_mode IN (0, 1)),
    self_referral_enabled INTEGER NOT NULL DEFAULT 0 CHECK (self_referral_enabled IN (0, 1)),
    created_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
) STRICT;

CREATE TABLE practices (
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    ods_code TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (organisation_id, id),
    UNIQUE (organisation_id, ods_code)
) STRICT;

CREATE TABLE sites (
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    id TEXT NOT NULL,
    practice_id TEXT,
    name TEXT NOT NULL,
    address TEXT NOT NULL DEFAULT '',
    postcode TEXT,
    created_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (organisation_id, id),
    FOREIGN KEY (organisation_id, practice_id) REFERENCES practices (organisation_id, id)
) STRICT;

CREATE TABLE rooms (
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    id TEXT NOT NULL,
    site_id TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (organisation_id, id),
    UNIQUE (organisation_id, site_id, name),
    FOREIGN KEY (organisation_id, site_id) REFERENCES sites (organisation_id, id)
) STRICT;

CREATE TABLE users (
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    id TEXT NOT NULL,
    email TEXT NOT NULL,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'coordinator', 'link_worker', 'referrer', 'facilitator', 'commissioner')),
    practice_id TEXT,
    password_hash TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    failed_sign_ins INTEGER NOT NULL DEFAULT 0,
    locked_until INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (organisation_id, id),
    FOREIGN KEY (organisation_id, practice_id) REFERENCES practices (organisation_id, id)
) STRICT;
-- Sign-in looks a person up by email before their organisation is known: the one global
-- lookup in the schema (see ARCHITECTURE.md).
CREATE UNIQUE INDEX users_email ON users (email);
CREATE INDEX users_name ON users (organisation_id, display_name, id);

CREATE TABLE api_tokens (
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at INTEGER,
    PRIMARY KEY (organisation_id, id),
    FOREIGN KEY (organisation_id, user_id) REFERENCES users (organisation_id, id)
) STRICT;
CREATE UNIQUE INDEX api_tokens_hash ON api_tokens (token_hash);

CREATE TABLE password_resets (
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER,
    PRIMARY KEY (organisation_id, id),
    FOREIGN KEY (organisation_id, user_id) REFERENCES users (organisation_id, id)
) STRICT;
CREATE UNIQUE INDEX password_resets_hash ON password_resets (token_hash);

-- Web sign-in sessions (tower-sessions store). Not a tenant table: a session exists
-- before anyone has signed in.
CREATE TABLE web_sessions (
    id TEXT NOT NULL PRIMARY KEY,
    data TEXT NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX web_sessions_expiry ON web_sessions (expires_at);

-- The head of each organisation's audit chain; updating it first serialises appends.
CREATE TABLE audit_heads (
    organisation_id TEXT NOT NULL PRIMARY KEY REFERENCES organisations (id),
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL
) STRICT;

CREATE TABLE audit_log (
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    seq INTEGER NOT NULL,
    at INTEGER NOT NULL,
    actor_user_id TEXT,
    action TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id TEXT,
    request_id TEXT,
    detail TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (organisation_id, seq)
) STRICT;
-- Browsing the trail filters by who, what, or which record, newest first.
CREATE INDEX audit_log_actor ON audit_log (organisation_id, actor_user_id, seq);
CREATE INDEX audit_log_action ON audit_log (organisation_id, action, seq);
CREATE INDEX audit_log_entity ON audit_log (organisation_id, entity_type, entity_id, seq);
CREATE INDEX audit_log_at ON audit_log (organisation_id, at);
