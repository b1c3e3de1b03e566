-- Finding a person (issue 12). Each person's name tokens (lower-case ASCII words of their
-- given and family names), and for every token the organisation has, its one-letter
-- deletions: a typed token looks up its own deletions here to find the stored tokens one
-- typo away. The application fills both (the tokens are Rust's folding of the names):
-- when a person is added or their name changes, and for the people already here when
-- this migration runs.
CREATE TABLE person_names (
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    token TEXT NOT NULL,
    person_id TEXT NOT NULL,
    PRIMARY KEY (organisation_id, token, person_id),
    FOREIGN KEY (organisation_id, person_id) REFERENCES people (organisation_id, id)
);
CREATE INDEX person_names_person ON person_names (organisation_id, person_id);
CREATE TABLE person_name_variants (
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    variant TEXT NOT NULL,
    token TEXT NOT NULL,
    PRIMARY KEY (organisation_id, variant, token)
);
-- Search by postcode.
CREATE INDEX people_postcode ON people (organisation_id, postcode);
