-- Generations and their agents' steps (seed design: generation_history, agent_logs), run as
-- durable jobs: a pending row is work; a worker claims it with a lease (FOR UPDATE SKIP LOCKED)
-- and renews it while running; a lease that runs out hands the job to another worker.
-- user_id is auth's user id: no foreign key crosses services; `user.deleted` keeps it consistent.
CREATE TABLE generation_history (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id UUID NOT NULL,
    lyrics_id UUID,

    -- Input parameters (the whole request as protobuf JSON in `request`).
    input_prompt TEXT NOT NULL,
    genre VARCHAR(100),
    mood VARCHAR(100),
    theme VARCHAR(255),
    custom_structure JSONB,
    request JSONB NOT NULL,
    seed BIGINT NOT NULL,

    -- Process metadata
    status VARCHAR(50) NOT NULL DEFAULT 'pending',
    agent_steps JSONB NOT NULL DEFAULT '[]',
    iterations INTEGER NOT NULL DEFAULT 0,
    error_code VARCHAR(50),
    error_message TEXT,
    song JSONB,
    scores JSONB,
    model_used VARCHAR(100),

    -- The job: who runs it, until when, how often it was taken, whether the user cancelled it.
    attempts INTEGER NOT NULL DEFAULT 0,
    lease_owner TEXT,
    lease_expires_at TIMESTAMP WITH TIME ZONE,
    cancel_requested BOOLEAN NOT NULL DEFAULT FALSE,

    -- Performance metrics
    total_time_seconds DECIMAL(10, 3),
    llm_time_seconds DECIMAL(10, 3),
    retrieval_time_seconds DECIMAL(10, 3),

    -- Timestamps
    started_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    completed_at TIMESTAMP WITH TIME ZONE,

    CONSTRAINT valid_history_status CHECK (status IN ('pending', 'processing', 'completed', 'failed', 'cancelled'))
);

CREATE INDEX idx_generation_history_user_started ON generation_history(user_id, started_at DESC, id DESC);
CREATE INDEX idx_generation_history_status ON generation_history(status);
CREATE INDEX idx_generation_history_lyrics_id ON generation_history(lyrics_id);
-- The queue: what workers look at when claiming.
CREATE INDEX idx_generation_history_queue ON generation_history(started_at) WHERE status IN ('pending', 'processing');

CREATE TABLE agent_logs (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    generation_history_id UUID NOT NULL REFERENCES generation_history(id) ON DELETE CASCADE,
    agent_name VARCHAR(100) NOT NULL,
    step_number INTEGER NOT NULL,
    attempt INTEGER NOT NULL DEFAULT 1,

    input_state JSONB,
    output_state JSONB,

    execution_time_seconds DECIMAL(10, 3),
    tokens_used INTEGER,
    model_used VARCHAR(100),

    status VARCHAR(50) NOT NULL DEFAULT 'success',
    error_message TEXT,

    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT valid_agent_status CHECK (status IN ('success', 'failed', 'skipped'))
);

CREATE INDEX idx_agent_logs_generation_history_id ON agent_logs(generation_history_id, step_number);
CREATE INDEX idx_agent_logs_agent_name ON agent_logs(agent_name);
CREATE INDEX idx_agent_logs_created_at ON agent_logs(created_at);
