-- Links whose URL runs code or carries a document of its own (javascript:, vbscript:, data:,
-- file:, blob:) get their own kind, `unsafe`, so an integrator never renders them as links.
-- SQLite cannot change a CHECK constraint in place: the table is rebuilt with the same rows.
-- Existing rows are classified on the way (the importer's URL parser also drops tabs and line
-- breaks, so `java\tscript:` is one of them).
CREATE TABLE links_new (
  translation_id INTEGER NOT NULL REFERENCES translations (id) ON DELETE CASCADE,
  position       INTEGER NOT NULL,
  href           TEXT NOT NULL,
  text           TEXT NOT NULL,
  title          TEXT,
  kind           TEXT NOT NULL CHECK (kind IN ('article', 'docs', 'support', 'short', 'external', 'unsafe')),
  -- For links into this KB: the id the target has; joined at read time, so a target
  -- imported after its source still resolves.
  target_key     TEXT,
  block_id       TEXT NOT NULL,
  step_id        TEXT,
  context        TEXT NOT NULL CHECK (context IN ('step', 'related', 'block')),
  PRIMARY KEY (translation_id, position)
) STRICT, WITHOUT ROWID;
INSERT INTO links_new
  SELECT translation_id, position, href, text, title,
    CASE WHEN kind = 'external' AND (
      scheme GLOB 'javascript:*' OR scheme GLOB 'vbscript:*' OR scheme GLOB 'data:*' OR scheme GLOB 'file:*' OR scheme GLOB 'blob:*'
    ) THEN 'unsafe' ELSE kind END,
    target_key, block_id, step_id, context
  FROM (SELECT *, lower(replace(replace(replace(trim(href), char(9), ''), char(10), ''), char(13), '')) AS scheme FROM links);
DROP TABLE links;
ALTER TABLE links_new RENAME TO links;
CREATE INDEX links_target ON links (target_key) WHERE target_key IS NOT NULL;
