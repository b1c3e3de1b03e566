-- Who belongs to a group the team runs: members, the waiting list and places offered,
-- and those who left. A member is known by a first name, a last initial and one contact;
-- one who came by social prescription is linked to their person record and prescription.
-- Each message to a member carries a link of its own (leave the group, take an offered
-- place): `group_member_links` keeps the SHA-256 of its secret, never the secret.

CREATE TABLE group_members (
    organisation_id TEXT NOT NULL,
    id TEXT NOT NULL,
    service_id TEXT NOT NULL,
    person_id TEXT,
    prescription_id TEXT,
    route TEXT NOT NULL CHECK (route IN ('prescription', 'public', 'walk_in', 'staff')),
    status TEXT NOT NULL CHECK (status IN ('member', 'waiting', 'offered', 'left')),
    first_name TEXT NOT NULL,
    last_initial TEXT NOT NULL DEFAULT '',
    email TEXT,
    phone TEXT,
    channel TEXT NOT NULL CHECK (channel IN ('email', 'sms')),
    consent_contact INTEGER NOT NULL CHECK (consent_contact IN (0, 1)),
    access_needs INTEGER NOT NULL DEFAULT 0 CHECK (access_needs IN (0, 1)),
    -- Only where they agreed to it being on the register.
    emergency_contact TEXT,
    -- When they asked (the waiting list's order), became a member, were offered a place
    -- (and until when), and left.
    asked_at INTEGER NOT NULL,
    joined_at INTEGER,
    offer_expires_at INTEGER,
    left_at INTEGER,
    left_reason TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (organisation_id, id),
    FOREIGN KEY (organisation_id, service_id) REFERENCES team_groups (organisation_id, service_id),
    FOREIGN KEY (organisation_id, person_id) REFERENCES people (organisation_id, id)
) STRICT;
-- A group's members and waiting list in the order they asked.
CREATE INDEX group_members_group ON group_members (organisation_id, service_id, status, asked_at);
-- A person is in a group once at a time.
CREATE UNIQUE INDEX group_members_person ON group_members (organisation_id, service_id, person_id)
    WHERE person_id IS NOT NULL AND status <> 'left';
-- Offers that lapse.
CREATE INDEX group_members_offers ON group_members (offer_expires_at) WHERE status = 'offered';

CREATE TABLE group_member_links (
    organisation_id TEXT NOT NULL,
    key_hash TEXT NOT NULL,
    member_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (organisation_id, key_hash),
    FOREIGN KEY (organisation_id, member_id) REFERENCES group_members (organisation_id, id)
) STRICT;
-- A link opened: its secret is all it brings, so it is found across organisations.
CREATE UNIQUE INDEX group_member_links_hash ON group_member_links (key_hash);
