-- Feedback on songs (seed design: user_feedback) and what the feedback service knows of each
-- song it has feedback on. user_id and lyrics_id belong to the auth and lyrics services: no
-- foreign key crosses services; `user.deleted` and `lyrics.deleted` keep them consistent.

-- The feedback service's copy of a song's facts, from the lyrics service (GetLyrics on each
-- submit, `lyrics.changed` events between): who owns it, whether it is public, and what it is
-- (genre and mood feed taste profiles). Every feedback write locks its song's row first, so
-- the counts kept in it are exact.
CREATE TABLE lyrics_info (
    lyrics_id UUID PRIMARY KEY,
    owner_id UUID NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    genre VARCHAR(100) NOT NULL DEFAULT '',
    mood VARCHAR(100) NOT NULL DEFAULT '',
    is_public BOOLEAN NOT NULL DEFAULT FALSE,
    -- The song's version these facts are from; older news is ignored.
    version BIGINT NOT NULL DEFAULT 0,
    -- Counts writes to the song's feedback: cached summaries are keyed by it, so a summary
    -- computed before a write can never be served after it.
    feedback_version BIGINT NOT NULL DEFAULT 0,
    -- Everyone's likes and overall ratings so far, kept by the writes under the row's lock (the
    -- like count goes out in `feedback.changed`; ListPopular shows all three).
    like_count BIGINT NOT NULL DEFAULT 0,
    rating_count BIGINT NOT NULL DEFAULT 0,
    rating_sum BIGINT NOT NULL DEFAULT 0,
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now()
);

CREATE TABLE user_feedback (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id UUID NOT NULL,
    lyrics_id UUID NOT NULL REFERENCES lyrics_info(lyrics_id) ON DELETE CASCADE,

    -- Ratings (1-5)
    overall_rating INTEGER,
    creativity_rating INTEGER,
    relevance_rating INTEGER,
    quality_rating INTEGER,

    -- Feedback
    comment TEXT,
    tags TEXT[] NOT NULL DEFAULT '{}',

    -- Actions, and since when (lists of liked and saved songs are newest first)
    is_liked BOOLEAN NOT NULL DEFAULT FALSE,
    is_saved BOOLEAN NOT NULL DEFAULT FALSE,
    is_shared BOOLEAN NOT NULL DEFAULT FALSE,
    liked_at TIMESTAMP WITH TIME ZONE,
    saved_at TIMESTAMP WITH TIME ZONE,

    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT valid_overall_rating CHECK (overall_rating >= 1 AND overall_rating <= 5),
    CONSTRAINT valid_creativity_rating CHECK (creativity_rating >= 1 AND creativity_rating <= 5),
    CONSTRAINT valid_relevance_rating CHECK (relevance_rating >= 1 AND relevance_rating <= 5),
    CONSTRAINT valid_quality_rating CHECK (quality_rating >= 1 AND quality_rating <= 5),
    CONSTRAINT valid_comment CHECK (char_length(comment) <= 2000),
    CONSTRAINT valid_tags CHECK (cardinality(tags) <= 10),
    CONSTRAINT one_feedback_per_user_lyrics UNIQUE (user_id, lyrics_id)
);

-- (user_id, lyrics_id) is served by the unique constraint's index.
CREATE INDEX idx_user_feedback_lyrics_id ON user_feedback (lyrics_id);
CREATE INDEX idx_user_feedback_updated_at ON user_feedback (updated_at);
CREATE INDEX idx_user_feedback_liked ON user_feedback (user_id, liked_at DESC, lyrics_id DESC) WHERE is_liked;
CREATE INDEX idx_user_feedback_saved ON user_feedback (user_id, saved_at DESC, lyrics_id DESC) WHERE is_saved;
