-- The corpus (seed design: documents) and its chunks with their embeddings. PostgreSQL is the
-- source of truth: every replica's in-memory HNSW index is built from `chunks` and follows
-- `changes`. A chunk never changes: rewriting a document replaces its chunks with new ids.
CREATE TABLE documents (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    -- The writer's own key (the seed's chromadb_id): writing a known key replaces the document.
    external_id VARCHAR(255) UNIQUE,
    title VARCHAR(255),
    content TEXT NOT NULL CHECK (length(content) > 0),

    genre VARCHAR(100),
    mood VARCHAR(100),
    theme VARCHAR(100),
    artist VARCHAR(255),
    album VARCHAR(255),
    year INTEGER CHECK (year BETWEEN 1 AND 9999),
    language VARCHAR(10) NOT NULL DEFAULT 'en',
    tags TEXT[] NOT NULL DEFAULT '{}',
    custom_metadata JSONB NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(custom_metadata) = 'object'),
    source VARCHAR(100),

    word_count INTEGER NOT NULL CHECK (word_count >= 0),
    chunk_count INTEGER NOT NULL CHECK (chunk_count >= 0),
    -- SHA-256 of everything written plus the embedding space: an identical rewrite is skipped.
    fingerprint BYTEA NOT NULL,
    embedding_space VARCHAR(100) NOT NULL,
    is_indexed BOOLEAN NOT NULL DEFAULT TRUE,
    indexed_at TIMESTAMP WITH TIME ZONE,

    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX idx_documents_genre ON documents (genre);
CREATE INDEX idx_documents_mood ON documents (mood);
CREATE INDEX idx_documents_source ON documents (source);
CREATE INDEX idx_documents_is_indexed ON documents (is_indexed) WHERE NOT is_indexed;
CREATE INDEX idx_documents_tags ON documents USING gin (tags);
-- ListDocuments pages newest first.
CREATE INDEX idx_documents_created ON documents (created_at DESC, id DESC);

CREATE TABLE chunks (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    document_id UUID NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    chunk_index INTEGER NOT NULL CHECK (chunk_index >= 0),
    content TEXT NOT NULL,
    token_count INTEGER NOT NULL CHECK (token_count >= 0),
    word_count INTEGER NOT NULL CHECK (word_count >= 0),
    -- Unit vector, float32 little-endian.
    embedding BYTEA NOT NULL CHECK (length(embedding) > 0 AND length(embedding) % 4 = 0),
    embedding_space VARCHAR(100) NOT NULL,
    UNIQUE (document_id, chunk_index)
);

-- The change log replicas follow: one sequence number per committed write transaction, taken
-- from `change_counter` under its row lock just before commit, so numbers commit in order and a
-- replica that has applied N has seen every write numbered up to N.
CREATE TABLE change_counter (
    only_row BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (only_row),
    seq BIGINT NOT NULL
);
INSERT INTO change_counter (only_row, seq) VALUES (TRUE, 0);

CREATE TABLE changes (
    seq BIGINT NOT NULL,
    document_id UUID NOT NULL,
    changed_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (seq, document_id)
);
