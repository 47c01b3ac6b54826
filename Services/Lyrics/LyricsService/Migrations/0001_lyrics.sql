-- Songs, their sections and revisions (seed design: lyrics, lyrics_sections), with weighted
-- full-text search (title A, content B) and trigram matching on titles (seed: loist).
-- user_id is auth's user id: no foreign key crosses services; `user.deleted` keeps it consistent.
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;

CREATE TABLE lyrics (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id UUID NOT NULL,
    title VARCHAR(255),
    content TEXT NOT NULL,
    structure JSONB NOT NULL DEFAULT '{}',

    genre VARCHAR(100),
    mood VARCHAR(100),
    theme VARCHAR(255),
    language VARCHAR(10) NOT NULL DEFAULT 'en',

    prompt TEXT,
    generation_params JSONB NOT NULL DEFAULT '{}',
    model_used VARCHAR(100),
    generation_time_seconds DECIMAL(10, 2),

    quality_score DECIMAL(3, 2),
    rhyme_score DECIMAL(3, 2),
    creativity_score DECIMAL(3, 2),
    coherence_score DECIMAL(3, 2),

    status VARCHAR(50) NOT NULL DEFAULT 'draft',
    is_public BOOLEAN NOT NULL DEFAULT FALSE,
    view_count BIGINT NOT NULL DEFAULT 0,
    like_count BIGINT NOT NULL DEFAULT 0,
    -- When the feedback service counted like_count: older `feedback.changed` events are ignored.
    like_count_as_of TIMESTAMP WITH TIME ZONE,
    -- Optimistic concurrency: every change increments it.
    version BIGINT NOT NULL DEFAULT 1,

    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    published_at TIMESTAMP WITH TIME ZONE,

    search_vector TSVECTOR GENERATED ALWAYS AS (
        setweight(to_tsvector('english', coalesce(title, '')), 'A') || setweight(to_tsvector('english', content), 'B')
    ) STORED,

    CONSTRAINT valid_status CHECK (status IN ('draft', 'completed', 'published', 'archived')),
    CONSTRAINT valid_quality_score CHECK (quality_score >= 0 AND quality_score <= 1),
    CONSTRAINT valid_rhyme_score CHECK (rhyme_score >= 0 AND rhyme_score <= 1),
    CONSTRAINT valid_creativity_score CHECK (creativity_score >= 0 AND creativity_score <= 1),
    CONSTRAINT valid_coherence_score CHECK (coherence_score >= 0 AND coherence_score <= 1),
    CONSTRAINT public_only_when_published CHECK (NOT is_public OR status = 'published'),
    CONSTRAINT published_has_date CHECK (status <> 'published' OR published_at IS NOT NULL),
    CONSTRAINT content_size CHECK (length(content) <= 200000)
);

CREATE INDEX idx_lyrics_user_created ON lyrics (user_id, created_at DESC, id DESC);
CREATE INDEX idx_lyrics_public_published ON lyrics (published_at DESC, id DESC) WHERE is_public;
CREATE INDEX idx_lyrics_genre ON lyrics (genre);
CREATE INDEX idx_lyrics_mood ON lyrics (mood);
CREATE INDEX idx_lyrics_status ON lyrics (status);
CREATE INDEX idx_lyrics_quality_score ON lyrics (quality_score DESC) WHERE quality_score IS NOT NULL;
CREATE INDEX idx_lyrics_search ON lyrics USING gin (search_vector);
CREATE INDEX idx_lyrics_title_trgm ON lyrics USING gin (title gin_trgm_ops);

CREATE TABLE lyrics_sections (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    lyrics_id UUID NOT NULL REFERENCES lyrics(id) ON DELETE CASCADE,
    section_type VARCHAR(50) NOT NULL,
    section_order INTEGER NOT NULL,
    content TEXT NOT NULL,
    rhyme_scheme VARCHAR(50),
    line_count INTEGER,
    generation_attempts INTEGER NOT NULL DEFAULT 1,
    refinement_count INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT valid_section_type CHECK (section_type IN ('intro', 'verse', 'chorus', 'bridge', 'outro', 'pre-chorus', 'post-chorus')),
    CONSTRAINT unique_section_order UNIQUE (lyrics_id, section_order),
    CONSTRAINT section_order_from_zero CHECK (section_order >= 0),
    CONSTRAINT rhyme_scheme_letters CHECK (rhyme_scheme ~ '^[A-Za-z]*$')
);

-- Every version of a song's words: version 1 at creation, then one per change of title or sections.
CREATE TABLE lyrics_revisions (
    lyrics_id UUID NOT NULL REFERENCES lyrics(id) ON DELETE CASCADE,
    version BIGINT NOT NULL,
    title VARCHAR(255),
    content TEXT NOT NULL,
    sections JSONB NOT NULL DEFAULT '[]',
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (lyrics_id, version)
);

-- View-count batches already added from Redis, so a flush retried after a crash adds nothing twice.
CREATE TABLE view_flush_batches (
    batch_id UUID PRIMARY KEY,
    flushed_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP
);
