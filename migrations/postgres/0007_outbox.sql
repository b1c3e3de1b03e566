-- Messages to people (session reminders), sent by a background sender through the
-- organisation's own SMTP server or SMS gateway. A row is the durable record of a message:
-- it is written in the same transaction as what caused it, sent once (a lease stops two
-- senders taking it), retried with backoff, and visible to admins.

CREATE TABLE messaging_settings (
    organisation_id TEXT NOT NULL PRIMARY KEY REFERENCES organisations (id),
    smtp_host TEXT NOT NULL DEFAULT '',
    smtp_port BIGINT NOT NULL DEFAULT 587,
    smtp_security TEXT NOT NULL DEFAULT 'starttls' CHECK (smtp_security IN ('none', 'starttls', 'tls')),
    smtp_username TEXT NOT NULL DEFAULT '',
    smtp_password TEXT NOT NULL DEFAULT '',
    smtp_from TEXT NOT NULL DEFAULT '',
    sms_url TEXT NOT NULL DEFAULT '',
    sms_api_key TEXT NOT NULL DEFAULT '',
    sms_sender TEXT NOT NULL DEFAULT '',
    -- How long before a session its reminder goes out.
    reminder_hours BIGINT NOT NULL DEFAULT 24 CHECK (reminder_hours BETWEEN 1 AND 336),
    version BIGINT NOT NULL DEFAULT 1
);

CREATE TABLE outbox (
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    id TEXT NOT NULL,
    channel TEXT NOT NULL CHECK (channel IN ('email', 'sms')),
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL,
    -- What the message is for (session_reminder) and the session it is about.
    purpose TEXT NOT NULL,
    session_id TEXT,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed', 'cancelled')),
    attempts BIGINT NOT NULL DEFAULT 0,
    due_at BIGINT NOT NULL,
    -- A sender's lease: another sender leaves the message alone until it passes.
    claimed_until BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    sent_at BIGINT,
    PRIMARY KEY (organisation_id, id),
    FOREIGN KEY (organisation_id, session_id) REFERENCES sessions (organisation_id, id)
);
-- The sender looks across organisations for what is due: the one outbox lookup that is not
-- organisation-scoped (see ARCHITECTURE.md).
CREATE INDEX outbox_due ON outbox (status, due_at);
CREATE INDEX outbox_session ON outbox (organisation_id, session_id);
CREATE INDEX outbox_recent ON outbox (organisation_id, created_at);
