-- Search gathers candidates cheaply before ranking them: songs whose title matches the words
-- (GIN on the title's tsvector), the titles nearest by trigram distance (GiST orders by `<->`,
-- which GIN cannot), and a bounded number of songs matching in their words.
CREATE INDEX idx_lyrics_title_search ON lyrics USING gin (to_tsvector('english', coalesce(title, '')));
DROP INDEX idx_lyrics_title_trgm;
CREATE INDEX idx_lyrics_title_trgm ON lyrics USING gist (title gist_trgm_ops);
