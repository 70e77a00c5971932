-- The span pairs of side-by-side files (a localized sentence and its English source) were
-- stored row by row in `segments`, and nothing ever read them: no endpoint serves them, and
-- both sides are stored already, as the locale's translation and the derived en-US one. At 100k
-- documents they were 397 MiB of a 2.18 GB file, ~10 rows a document written by every import.
-- The parser still pairs the spans (that is how it splits the two sides); a feature that needs
-- the pairs can store them again, and a re-import of the files brings them back.
-- The freed pages go to the file's free list and are reused by later writes (VACUUM returns
-- them to the file system).
DROP TABLE segments;
