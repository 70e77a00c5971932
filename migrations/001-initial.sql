-- The article store: articles, their translations (article × locale), the block tree, steps,
-- links, scenario ids and the bilingual segments of side-by-side files.

CREATE TABLE articles (
  id          TEXT PRIMARY KEY,
  slug        TEXT NOT NULL,
  audience    TEXT,
  service     TEXT,
  topic       TEXT,
  collection  TEXT,
  priority    TEXT,
  author      TEXT,
  manager     TEXT,
  ms_date     TEXT,
  -- Bumped on every change of the article or any of its translations: keys caches and ETags.
  revision    INTEGER NOT NULL DEFAULT 1,
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
) STRICT;
CREATE INDEX articles_audience ON articles (audience COLLATE NOCASE);
CREATE INDEX articles_updated ON articles (updated_at, id);

CREATE TABLE article_scenarios (
  scenario_id TEXT NOT NULL,
  article_id  TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
  position    INTEGER NOT NULL,
  PRIMARY KEY (scenario_id, article_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX article_scenarios_article ON article_scenarios (article_id, position);

-- One row per imported file (its form and locale): the content hash makes re-imports idempotent.
CREATE TABLE source_files (
  key          TEXT PRIMARY KEY,
  article_id   TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
  path         TEXT NOT NULL,
  content_hash TEXT NOT NULL,
  imported_at  TEXT NOT NULL
) STRICT;
CREATE INDEX source_files_article ON source_files (article_id);
CREATE INDEX source_files_path ON source_files (path, content_hash);

CREATE TABLE translations (
  id               INTEGER PRIMARY KEY,
  article_id       TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
  locale           TEXT NOT NULL,
  title            TEXT NOT NULL,
  translation_type TEXT NOT NULL CHECK (translation_type IN ('human', 'machine', 'source')),
  handoff_date     TEXT,
  source_hash      TEXT,
  derived          INTEGER NOT NULL CHECK (derived IN (0, 1)),
  source_key       TEXT NOT NULL,
  content_hash     TEXT NOT NULL,
  updated_at       TEXT NOT NULL,
  UNIQUE (article_id, locale)
) STRICT;
CREATE INDEX translations_locale ON translations (locale, article_id);

-- The block tree, flattened: parent_id is NULL at the top; data holds the type's own fields.
CREATE TABLE blocks (
  translation_id INTEGER NOT NULL REFERENCES translations (id) ON DELETE CASCADE,
  block_id       TEXT NOT NULL,
  parent_id      TEXT,
  position       INTEGER NOT NULL,
  type           TEXT NOT NULL,
  data           TEXT NOT NULL,
  PRIMARY KEY (translation_id, block_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX blocks_order ON blocks (translation_id, position);

CREATE TABLE steps (
  translation_id INTEGER NOT NULL REFERENCES translations (id) ON DELETE CASCADE,
  step_id        TEXT NOT NULL,
  position       INTEGER NOT NULL,
  depth          INTEGER NOT NULL,
  parent_id      TEXT,
  group_id       TEXT NOT NULL,
  intro_markdown TEXT,
  intro_text     TEXT,
  markdown       TEXT NOT NULL,
  text           TEXT NOT NULL,
  PRIMARY KEY (translation_id, step_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX steps_order ON steps (translation_id, position);

CREATE TABLE links (
  translation_id INTEGER NOT NULL REFERENCES translations (id) ON DELETE CASCADE,
  position       INTEGER NOT NULL,
  href           TEXT NOT NULL,
  text           TEXT NOT NULL,
  title          TEXT,
  kind           TEXT NOT NULL CHECK (kind IN ('article', 'docs', 'support', 'short', 'external')),
  -- For links into this KB: the id the target has; joined at read time, so a target
  -- imported after its source still resolves.
  target_key     TEXT,
  block_id       TEXT NOT NULL,
  step_id        TEXT,
  context        TEXT NOT NULL CHECK (context IN ('step', 'related', 'block')),
  PRIMARY KEY (translation_id, position)
) STRICT, WITHOUT ROWID;
CREATE INDEX links_target ON links (target_key) WHERE target_key IS NOT NULL;

CREATE TABLE segments (
  translation_id INTEGER NOT NULL REFERENCES translations (id) ON DELETE CASCADE,
  position       INTEGER NOT NULL,
  segment_id     TEXT NOT NULL,
  source_text    TEXT NOT NULL,
  localized_text TEXT NOT NULL,
  PRIMARY KEY (translation_id, position)
) STRICT, WITHOUT ROWID;

-- The change feed: one event per article and locale written, in commit order.
CREATE TABLE changes (
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,
  article_id TEXT NOT NULL,
  locale     TEXT NOT NULL,
  kind       TEXT NOT NULL CHECK (kind IN ('created', 'updated', 'deleted')),
  revision   INTEGER NOT NULL,
  at         TEXT NOT NULL
) STRICT;
CREATE INDEX changes_article ON changes (article_id, seq);
