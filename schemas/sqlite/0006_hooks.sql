-- relais schema v6: signed inbound webhooks. Each accepted call is kept under its idempotency
-- key (the caller's, or the body's SHA-256), so that the same call sent again gets the first
-- answer and creates nothing; each accepted signature is kept for the signature window, so that
-- a captured call replayed as it was is refused (every signed call, even one refused later).
CREATE TABLE hook_calls (
  hook             TEXT NOT NULL,
  idempotency_key  TEXT NOT NULL,
  body_sha256      TEXT NOT NULL,
  answer           TEXT NOT NULL,
  at               INTEGER NOT NULL,
  PRIMARY KEY (hook, idempotency_key)
);
CREATE TABLE hook_signatures (
  signature  TEXT PRIMARY KEY,
  at         INTEGER NOT NULL
);
