-- A deleted song keeps its lyrics_info row as a tombstone (deleted, not public, no feedback):
-- a submit that found the song in the lyrics service just before `lyrics.deleted` arrived
-- cannot bring it back, because its write meets the tombstone under the row's lock.
ALTER TABLE lyrics_info ADD COLUMN deleted BOOLEAN NOT NULL DEFAULT FALSE;
