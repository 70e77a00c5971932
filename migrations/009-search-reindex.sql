-- Translations whose search document is to be written again, because the way text is analyzed
-- for search changed: the next `kb migrate` or server start indexes them again from their
-- stored blocks (ensureSearchIndex) and empties this table.
CREATE TABLE search_reindex (
  translation_id INTEGER PRIMARY KEY REFERENCES translations (id) ON DELETE CASCADE
) STRICT;

-- Thai, Lao, Khmer and Burmese are written without spaces between words. Until now only
-- Japanese and Chinese were split into words before FTS5 saw them, so a run of these scripts
-- was indexed as one word and a word inside it could not be found. The documents holding any of
-- them (U+0E00-U+0EFF Thai and Lao, U+1000-U+109F Myanmar, U+1780-U+17FF Khmer) are indexed
-- again, now split into words.
INSERT INTO search_reindex (translation_id)
  SELECT translation_id FROM search_sources
  WHERE title || headings || steps || callouts || body
    GLOB '*[' || char(0x0E00) || '-' || char(0x0EFF) || char(0x1000) || '-' || char(0x109F) || char(0x1780) || '-' || char(0x17FF) || ']*';
