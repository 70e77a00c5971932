-- Full-text search: one FTS5 document per translation (rowid = translations.id), written by
-- the article store in the article's transaction. The text is normalized in JS before it gets
-- here (src/search/analyze.ts: NFKC, Japanese/Chinese split into words), so FTS5 only folds
-- case and diacritics and stems English. Column weights live in src/search/search-articles.ts.
CREATE VIRTUAL TABLE search_docs USING fts5(
  title,
  -- the words of the article id: its file name, which its author chose to say what it is about
  keywords,
  -- error codes found anywhere in the text, as exact phrases: `0x8004de40`, `550 5 7 501`
  codes,
  -- texts in quotation marks: mostly the error messages users see
  messages,
  headings,
  steps,
  callouts,
  body,
  tokenize = 'porter unicode61 remove_diacritics 2'
);

-- The same columns as written in the article (not normalized): snippets are cut from this
-- text, and `steps` (JSON [[stepId, text], ...]) names the steps a match falls in.
CREATE TABLE search_sources (
  translation_id INTEGER PRIMARY KEY REFERENCES translations (id) ON DELETE CASCADE,
  title          TEXT NOT NULL,
  headings       TEXT NOT NULL,
  steps          TEXT NOT NULL,
  callouts       TEXT NOT NULL,
  body           TEXT NOT NULL
) STRICT;

-- Every word as written (not stemmed), for typo tolerance: near words are looked up in its
-- vocabulary by edit distance. Contentless and without positions: only the term list counts.
CREATE VIRTUAL TABLE search_words USING fts5(
  words,
  content = '',
  contentless_delete = 1,
  detail = none,
  tokenize = 'unicode61 remove_diacritics 2'
);
CREATE VIRTUAL TABLE search_words_vocab USING fts5vocab(search_words, row);
