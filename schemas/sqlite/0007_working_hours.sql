-- The right to disconnect: a mail row held for its recipient's working hours, and the digest
-- that carries it when several are due for one person at once.
ALTER TABLE outbox ADD COLUMN held_for TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN digest_of INTEGER;
CREATE INDEX outbox_held ON outbox(held_for, due_at) WHERE done_at IS NULL AND held_for <> '';
