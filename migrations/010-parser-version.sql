-- Which version of the parser read each source file (src/ingest/parse-article.ts
-- PARSER_VERSION). An import skips a file whose bytes it imported before only when the parser
-- that read them is the one running: when the parse of some files changed (a Markdown extension
-- understood, a line break read as a space), the next import parses every file again and writes
-- what now differs, as `updated` change events. Files imported before this column were read by
-- an unknown version (0): the first import after the upgrade parses them all (~3-4 min at 100k
-- documents here, once), and writes only the translations whose parse changed.
ALTER TABLE source_files ADD COLUMN parser_version INTEGER NOT NULL DEFAULT 0;
DROP INDEX source_files_path;
CREATE INDEX source_files_path ON source_files (path, content_hash, parser_version);
