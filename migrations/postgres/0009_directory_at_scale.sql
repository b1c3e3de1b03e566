-- The directory at 100,000 listings: lists are paged from indexes alone (see
-- ARCHITECTURE.md, "The directory at scale").

-- Listings by name, the id breaking ties: a page of keys is read from the index.
DROP INDEX services_name;
CREATE INDEX services_name ON services (organisation_id, name, id);

-- Listings to check, never checked first, then the oldest check: the first page stops
-- early, and the count reads the index (status and restart date ride along).
DROP INDEX services_checking;
CREATE INDEX services_checking ON services (organisation_id, last_verified NULLS FIRST, name, id, status, restart_on);
