-- relais schema v4: where relais stands in each IMAP mailbox it reads. Every message up to
-- last_uid was stored, then moved out (or flagged); a message above it is read at the next
-- look. A new UIDVALIDITY means the server renumbered the mailbox: everything in it is read
-- again, and the intake's duplicate check (Message-ID, exact bytes) keeps each message once.
CREATE TABLE imap_state (
  account      TEXT NOT NULL,
  mailbox      TEXT NOT NULL,
  uid_validity INTEGER NOT NULL,
  last_uid     INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL,
  PRIMARY KEY (account, mailbox)
);
