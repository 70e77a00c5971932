-- A step is a list item of its translation's blocks (extractSteps in src/ingest/steps.ts: the
-- items of every list that is not a links-only one, with the paragraph before the list as the
-- intro), and the steps route reads the blocks anyway to render steps and find their callouts.
-- The `steps` table kept a second copy of each step's text and Markdown: 381 MiB of the file at
-- 100k documents. Steps are now found in the blocks when they are served; a feedback's step id
-- is checked against the blocks too.
DROP TABLE steps;
