-- relais schema v8: the dashboard. A login link mailed to a referent or an administrator is a
-- one-time token kept as its SHA-256 until used or expired; the session it opens is a cookie
-- kept the same way, with its own CSRF secret. A calendar feed's URL carries an HMAC of the
-- person's address and a generation; making a new URL bumps the generation, so the old one
-- stops working.
CREATE TABLE dashboard_logins (
  token_sha256 TEXT PRIMARY KEY,
  address      TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL,
  used_at      INTEGER
);
CREATE TABLE dashboard_sessions (
  token_sha256 TEXT PRIMARY KEY,
  address      TEXT NOT NULL,
  csrf         TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL,
  ended_at     INTEGER
);
CREATE TABLE calendar_feeds (
  address    TEXT PRIMARY KEY,
  generation INTEGER NOT NULL,
  at         INTEGER NOT NULL
);
CREATE INDEX requests_publish_at ON requests(publish_at) WHERE publish_at IS NOT NULL;
