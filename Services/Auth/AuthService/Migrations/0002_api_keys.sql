-- API keys (seed design: api_keys). Only the SHA-256 of the secret is kept, with its first
-- characters so people can tell keys apart. Revoking keeps the row, for the audit trail.
CREATE TABLE api_keys (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    key_hash VARCHAR(255) UNIQUE NOT NULL,
    key_prefix VARCHAR(16) NOT NULL,
    name VARCHAR(255) NOT NULL,

    scopes TEXT[] NOT NULL DEFAULT '{}',

    rate_limit_per_minute INTEGER NOT NULL DEFAULT 60,
    rate_limit_per_day INTEGER NOT NULL DEFAULT 1000,

    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    last_used_at TIMESTAMP WITH TIME ZONE,
    usage_count BIGINT NOT NULL DEFAULT 0,

    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    expires_at TIMESTAMP WITH TIME ZONE,
    revoked_at TIMESTAMP WITH TIME ZONE,

    CONSTRAINT valid_scopes CHECK (scopes <@ ARRAY['read', 'write', 'generate', 'admin'] AND cardinality(scopes) > 0),
    CONSTRAINT valid_rate_limits CHECK (rate_limit_per_minute > 0 AND rate_limit_per_day >= rate_limit_per_minute),
    CONSTRAINT api_key_name CHECK (length(btrim(name)) > 0)
);

CREATE INDEX idx_api_keys_user_id ON api_keys (user_id);
CREATE INDEX idx_api_keys_is_active ON api_keys (is_active) WHERE is_active = TRUE;
