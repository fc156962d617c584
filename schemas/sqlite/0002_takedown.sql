-- relais schema v2: the right to one's image. Takedown cases and what they matched, the
-- hashes of media that may never be published again, perceptual hashes of every image, the
-- consent registry, and one audit record for everything (transitions, case decisions, mail
-- in and out, removals, consent changes) instead of the request-only `transitions` table.

-- Perceptual hashes (64-bit DCT pHash, stored as the signed 64-bit integer of its bits) of
-- the image and of its mirror image; NULL when the file is not an image or not decodable.
ALTER TABLE media ADD COLUMN phash INTEGER;
ALTER TABLE media ADD COLUMN phash_mirror INTEGER;
ALTER TABLE media ADD COLUMN width INTEGER;
ALTER TABLE media ADD COLUMN height INTEGER;
-- Set when retention deleted the file: the row (hashes, size, name) stays for the record.
ALTER TABLE media ADD COLUMN purged_at INTEGER;
CREATE INDEX media_sha256 ON media(sha256);

CREATE TABLE takedown_cases (
  id              INTEGER PRIMARY KEY,
  reference       TEXT NOT NULL UNIQUE,         -- "DI-2026-0007"
  state           TEXT NOT NULL,                -- received matched unmatched executed answered closed
  version         INTEGER NOT NULL,
  origin          TEXT NOT NULL,                -- mail | form | consent | cli
  requester       TEXT NOT NULL DEFAULT '',     -- addr-spec ('' once erased by retention)
  requester_name  TEXT NOT NULL DEFAULT '',
  text            TEXT NOT NULL DEFAULT '',
  language        TEXT NOT NULL DEFAULT 'fr',
  thread_id       TEXT NOT NULL DEFAULT '',     -- Message-ID of the request, for threading
  email_confirmed INTEGER NOT NULL DEFAULT 0,   -- 1 for mail; form: after the link was followed
  note            TEXT NOT NULL DEFAULT '',     -- what was decided, in a sentence
  received_at     INTEGER NOT NULL,
  deadline_at     INTEGER NOT NULL,
  executed_at     INTEGER,
  answered_at     INTEGER,
  closed_at       INTEGER,
  erased_at       INTEGER,
  updated_at      INTEGER NOT NULL
);
CREATE INDEX takedown_cases_state ON takedown_cases(state);

-- Files the requester sent (photos, screenshots), kept as evidence.
CREATE TABLE case_evidence (
  id           INTEGER PRIMARY KEY,
  case_id      INTEGER NOT NULL REFERENCES takedown_cases(id),
  position     INTEGER NOT NULL,
  sha256       TEXT NOT NULL,
  content_type TEXT NOT NULL,
  filename     TEXT NOT NULL,
  size         INTEGER NOT NULL,
  phash        INTEGER,
  phash_mirror INTEGER,
  compared     INTEGER NOT NULL DEFAULT 1       -- 0: beyond takedown.max_attachments
);
CREATE INDEX case_evidence_case ON case_evidence(case_id);

-- Candidate publications of a case, each with how it was found and how sure that is.
CREATE TABLE case_matches (
  id           INTEGER PRIMARY KEY,
  case_id      INTEGER NOT NULL REFERENCES takedown_cases(id),
  request_id   INTEGER NOT NULL REFERENCES requests(id),
  media_id     INTEGER REFERENCES media(id),
  basis        TEXT NOT NULL,                   -- url reference sha256 phash person consent
  certain      INTEGER NOT NULL,
  distance     INTEGER,                         -- phash: Hamming distance
  detail       TEXT NOT NULL DEFAULT '',
  confirmed_at INTEGER,
  confirmed_by TEXT NOT NULL DEFAULT ''
);
CREATE INDEX case_matches_case ON case_matches(case_id);
CREATE INDEX case_matches_request ON case_matches(request_id);

-- Media that may never be published again: every hash of a taken-down file.
CREATE TABLE blocked_media (
  id       INTEGER PRIMARY KEY,
  sha256   TEXT NOT NULL,
  phash    INTEGER,
  case_id  INTEGER REFERENCES takedown_cases(id),
  media_id INTEGER REFERENCES media(id),
  at       INTEGER NOT NULL
);
CREATE INDEX blocked_media_sha256 ON blocked_media(sha256);

-- Timers of cases (deadline reminders, closing), claimed like the request timers.
CREATE TABLE case_timers (
  id          INTEGER PRIMARY KEY,
  case_id     INTEGER NOT NULL REFERENCES takedown_cases(id),
  event       TEXT NOT NULL,
  due_at      INTEGER NOT NULL,
  lease_until INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX case_timers_due ON case_timers(due_at, id);

-- Links that confirm a case: the requester's address (form), or a candidate's removal
-- (referent). Same rules as request tokens: SHA-256 only, expiry, single use.
CREATE TABLE case_tokens (
  id         INTEGER PRIMARY KEY,
  hash       TEXT NOT NULL UNIQUE,
  case_id    INTEGER NOT NULL REFERENCES takedown_cases(id),
  match_id   INTEGER REFERENCES case_matches(id),
  purpose    TEXT NOT NULL,                     -- confirm_email | confirm_removal
  recipient  TEXT NOT NULL,
  version    INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at    INTEGER,
  created_at INTEGER NOT NULL
);

-- Inline rate limit of the public form, per e-mail address and per network address.
CREATE TABLE form_hits (
  key TEXT NOT NULL,
  at  INTEGER NOT NULL
);
CREATE INDEX form_hits_key ON form_hits(key, at);

-- The consent registry.
CREATE TABLE persons (
  id         INTEGER PRIMARY KEY,
  name       TEXT NOT NULL,
  email      TEXT NOT NULL DEFAULT '',
  note       TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL
);
CREATE INDEX persons_email ON persons(email);

CREATE TABLE consents (
  id              INTEGER PRIMARY KEY,
  person_id       INTEGER NOT NULL REFERENCES persons(id),
  scope           TEXT NOT NULL CHECK (scope IN ('request', 'period')),
  request_id      INTEGER REFERENCES requests(id),
  valid_from      INTEGER,
  expires_at      INTEGER,
  evidence_sha256 TEXT NOT NULL DEFAULT '',     -- a signed form, in the media blob store
  evidence_name   TEXT NOT NULL DEFAULT '',
  given_at        INTEGER NOT NULL,
  revoked_at      INTEGER,
  revoked_by      TEXT NOT NULL DEFAULT '',
  minor           INTEGER NOT NULL DEFAULT 0,
  note            TEXT NOT NULL DEFAULT '',
  created_at      INTEGER NOT NULL
);
CREATE INDEX consents_person ON consents(person_id);

-- Who appears in what: filled from the submission's declaration and by the referent.
CREATE TABLE person_media (
  person_id  INTEGER NOT NULL REFERENCES persons(id),
  request_id INTEGER NOT NULL REFERENCES requests(id),
  media_id   INTEGER REFERENCES media(id),
  source     TEXT NOT NULL DEFAULT '',
  at         INTEGER NOT NULL
);
CREATE UNIQUE INDEX person_media_unique ON person_media(person_id, request_id, IFNULL(media_id, 0));
CREATE INDEX person_media_request ON person_media(request_id);

-- One audit record for everything. Rows of v1 are copied with their hashes: a row whose
-- kind is 'transition' and that names no case hashes exactly as in v1, so the chain holds.
CREATE TABLE audit (
  id         INTEGER PRIMARY KEY,
  kind       TEXT NOT NULL,   -- transition case mail_in mail_out removal decision consent retention
  request_id INTEGER REFERENCES requests(id),
  case_id    INTEGER REFERENCES takedown_cases(id),
  from_state TEXT NOT NULL DEFAULT '',
  to_state   TEXT NOT NULL DEFAULT '',
  event      TEXT NOT NULL,
  actor      TEXT NOT NULL,
  source     TEXT NOT NULL,
  detail     TEXT NOT NULL DEFAULT '',
  at         INTEGER NOT NULL,
  prev_hash  TEXT NOT NULL,
  hash       TEXT NOT NULL
);
INSERT INTO audit (id, kind, request_id, case_id, from_state, to_state, event, actor, source,
                   detail, at, prev_hash, hash)
  SELECT id, 'transition', request_id, NULL, from_state, to_state, event, actor, source, detail,
         at, prev_hash, hash FROM transitions ORDER BY id;
DROP TABLE transitions;
CREATE INDEX audit_request ON audit(request_id);
CREATE INDEX audit_case ON audit(case_id);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
  BEGIN SELECT RAISE(ABORT, 'the audit record is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
  BEGIN SELECT RAISE(ABORT, 'the audit record is append-only'); END;
