-- The hash of a translation's blocks alone, so a plain English file that repeats a side-by-side
-- file's English side can be recognised as the same source revision (and keep its hash).
ALTER TABLE translations ADD COLUMN blocks_hash TEXT;
