-- What a link worker records that some listings are only for (new parent, carer,
-- bereaved, veteran), as comma-separated audience codes: suggestions leave out listings
-- for people they are not.
ALTER TABLE people ADD COLUMN circumstances TEXT NOT NULL DEFAULT '';
