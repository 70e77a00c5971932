-- The integration surface: API keys, feedback with idempotent posts.

CREATE TABLE api_keys (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  -- sha256 of the secret part: the key itself is shown once, at creation, and never stored.
  secret_hash TEXT NOT NULL,
  scopes      TEXT NOT NULL,
  created_at  TEXT NOT NULL,
  revoked_at  TEXT
) STRICT;

CREATE TABLE feedback (
  id          INTEGER PRIMARY KEY,
  article_id  TEXT NOT NULL,
  locale      TEXT NOT NULL,
  step_id     TEXT,
  outcome     TEXT NOT NULL CHECK (outcome IN ('resolved', 'not_resolved', 'step_failed', 'helpful', 'not_helpful')),
  comment     TEXT,
  ticket      TEXT,
  key_id      TEXT,
  created_at  TEXT NOT NULL
) STRICT;
CREATE INDEX feedback_article ON feedback (article_id, outcome);

-- A retried POST with the same Idempotency-Key (per key or client) is answered from here.
CREATE TABLE idempotency (
  scope        TEXT NOT NULL,
  key          TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  status       INTEGER NOT NULL,
  response     TEXT NOT NULL,
  created_at   TEXT NOT NULL,
  PRIMARY KEY (scope, key)
) STRICT, WITHOUT ROWID;
