-- relais schema v5: what answers by mail need.
-- A notification to the referent carries a link token; its hash is kept with the sent message
-- so that a reply in that thread acts with exactly that token's rights (request, version,
-- single use, expiry), as the link would.
ALTER TABLE messages ADD COLUMN token_hash TEXT;

-- A person away (told by their out-of-office reply, or set by an administrator): mail meant for
-- the referent goes to the backup referent in the meantime. `until` is the moment they are back.
CREATE TABLE absences (
  id         INTEGER PRIMARY KEY,
  address    TEXT NOT NULL,
  starts_at  INTEGER NOT NULL,
  until      INTEGER NOT NULL,
  source     TEXT NOT NULL,
  at         INTEGER NOT NULL
);
CREATE INDEX absences_address ON absences(address, until);

-- An address mail from relais could not be delivered to (a delivery status notification said
-- so). One row per address, the latest report kept.
CREATE TABLE failing_addresses (
  address     TEXT PRIMARY KEY,
  status      TEXT NOT NULL,
  diagnostic  TEXT NOT NULL,
  message_id  TEXT NOT NULL,
  first_at    INTEGER NOT NULL,
  at          INTEGER NOT NULL,
  alerted_at  INTEGER
);
