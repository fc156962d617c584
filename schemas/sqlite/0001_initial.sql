-- relais schema v1: requests and their channels, the inbound messages and media, the audit
-- chain of transitions, the outbox, durable timers, link tokens and the quarantine.
-- Times are INTEGER milliseconds since the Unix epoch, UTC.

CREATE TABLE counters (
  name  TEXT PRIMARY KEY,
  value INTEGER NOT NULL
);

CREATE TABLE requests (
  id          INTEGER PRIMARY KEY,
  reference   TEXT NOT NULL UNIQUE,
  state       TEXT NOT NULL,
  version     INTEGER NOT NULL,
  sender      TEXT NOT NULL,
  sender_name TEXT NOT NULL DEFAULT '',
  subject     TEXT NOT NULL DEFAULT '',
  text        TEXT NOT NULL DEFAULT '',
  author      TEXT NOT NULL DEFAULT '',
  language    TEXT NOT NULL DEFAULT 'fr',
  thread_id   TEXT NOT NULL DEFAULT '',
  publish_at  INTEGER,
  findings    TEXT NOT NULL DEFAULT '[]',
  note        TEXT NOT NULL DEFAULT '',
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
);
CREATE INDEX requests_state ON requests(state);

CREATE TABLE request_channels (
  request_id INTEGER NOT NULL REFERENCES requests(id),
  channel    TEXT NOT NULL,
  position   INTEGER NOT NULL,
  status     TEXT NOT NULL,
  post_id    TEXT NOT NULL DEFAULT '',
  url        TEXT NOT NULL DEFAULT '',
  error      TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (request_id, channel)
);

-- Every message in or out. Inbound ones are deduplicated by sha256 and by Message-ID.
CREATE TABLE messages (
  id          INTEGER PRIMARY KEY,
  direction   TEXT NOT NULL CHECK (direction IN ('in', 'out')),
  sha256      TEXT,
  message_id  TEXT NOT NULL DEFAULT '',
  request_id  INTEGER REFERENCES requests(id),
  kind        TEXT NOT NULL,
  sender      TEXT NOT NULL DEFAULT '',
  recipients  TEXT NOT NULL DEFAULT '',
  at          INTEGER NOT NULL
);
CREATE UNIQUE INDEX messages_in_sha ON messages(sha256) WHERE direction = 'in';
CREATE INDEX messages_message_id ON messages(message_id);

CREATE TABLE media (
  id           INTEGER PRIMARY KEY,
  request_id   INTEGER NOT NULL REFERENCES requests(id),
  position     INTEGER NOT NULL,
  sha256       TEXT NOT NULL,
  content_type TEXT NOT NULL,
  filename     TEXT NOT NULL,
  size         INTEGER NOT NULL,
  dropped      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX media_request ON media(request_id);

-- The audit record: append-only, each row chained to the previous one by hash.
CREATE TABLE transitions (
  id         INTEGER PRIMARY KEY,
  request_id INTEGER NOT NULL REFERENCES requests(id),
  from_state TEXT NOT NULL,
  to_state   TEXT NOT NULL,
  event      TEXT NOT NULL,
  actor      TEXT NOT NULL,
  source     TEXT NOT NULL,
  detail     TEXT NOT NULL DEFAULT '',
  at         INTEGER NOT NULL,
  prev_hash  TEXT NOT NULL,
  hash       TEXT NOT NULL
);
CREATE INDEX transitions_request ON transitions(request_id);
CREATE TRIGGER transitions_no_update BEFORE UPDATE ON transitions
  BEGIN SELECT RAISE(ABORT, 'the audit record is append-only'); END;
CREATE TRIGGER transitions_no_delete BEFORE DELETE ON transitions
  BEGIN SELECT RAISE(ABORT, 'the audit record is append-only'); END;

CREATE TABLE outbox (
  id          INTEGER PRIMARY KEY,
  request_id  INTEGER REFERENCES requests(id),
  effect_key  TEXT NOT NULL UNIQUE,
  kind        TEXT NOT NULL,
  payload     TEXT NOT NULL,
  due_at      INTEGER NOT NULL,
  attempts    INTEGER NOT NULL DEFAULT 0,
  lease_until INTEGER NOT NULL DEFAULT 0,
  done_at     INTEGER,
  last_error  TEXT NOT NULL DEFAULT '',
  created_at  INTEGER NOT NULL
);
CREATE INDEX outbox_due ON outbox(due_at, id) WHERE done_at IS NULL;

CREATE TABLE timers (
  id          INTEGER PRIMARY KEY,
  request_id  INTEGER NOT NULL REFERENCES requests(id),
  event       TEXT NOT NULL,
  due_at      INTEGER NOT NULL,
  lease_until INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX timers_due ON timers(due_at, id);

CREATE TABLE tokens (
  id         INTEGER PRIMARY KEY,
  hash       TEXT NOT NULL UNIQUE,
  request_id INTEGER NOT NULL REFERENCES requests(id),
  recipient  TEXT NOT NULL,
  actions    TEXT NOT NULL,
  version    INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at    INTEGER,
  used_for   TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL
);

-- Input that could not be understood: kept with its reason, never deleted.
CREATE TABLE quarantine (
  id       INTEGER PRIMARY KEY,
  sha256   TEXT NOT NULL,
  size     INTEGER NOT NULL,
  reason   TEXT NOT NULL,
  remote   TEXT NOT NULL DEFAULT '',
  at       INTEGER NOT NULL
);
