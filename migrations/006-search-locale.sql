-- Each search document names its locale, as one token in a column of its own (`ja-JP` ->
-- `l10n` U+E000 `jajp`, see localeToken in src/search/search-index.ts: no typed word is one).
-- A search ranks the served locale's and en-US's documents first by ANDing their tokens to its
-- expression: at 100k documents in ~40 locales, bm25 then scores a few percent of the
-- documents. bm25 gives the column weight 0: the token only adds one to a document's length
-- (hundreds of tokens). FTS5 cannot add a column: the table is rebuilt from its own content
-- (13 s at 100k documents) and merged into one segment.
CREATE VIRTUAL TABLE search_docs_new USING fts5(
  title,
  keywords,
  codes,
  messages,
  headings,
  steps,
  callouts,
  body,
  locale,
  tokenize = 'porter unicode61 remove_diacritics 2'
);
INSERT INTO search_docs_new (rowid, title, keywords, codes, messages, headings, steps, callouts, body, locale)
  SELECT d.rowid, d.title, d.keywords, d.codes, d.messages, d.headings, d.steps, d.callouts, d.body,
    'l10n' || char(57344) || lower(replace(t.locale, '-', ''))
  FROM search_docs d JOIN translations t ON t.id = d.rowid;
DROP TABLE search_docs;
ALTER TABLE search_docs_new RENAME TO search_docs;
INSERT INTO search_docs (search_docs) VALUES ('optimize');
