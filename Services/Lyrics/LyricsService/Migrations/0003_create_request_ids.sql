-- CreateLyrics' request_id: a retry of a create whose answer was lost finds the song the first
-- call made instead of making another. Unique per user; songs created without one have NULL.
ALTER TABLE lyrics ADD COLUMN request_id TEXT;
CREATE UNIQUE INDEX idx_lyrics_user_request_id ON lyrics (user_id, request_id) WHERE request_id IS NOT NULL;
