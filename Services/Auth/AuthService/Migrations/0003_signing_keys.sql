-- The Ed25519 keys that sign access tokens, shared by every auth replica. One key is current
-- (retires_at IS NULL); after a rotation the previous one keeps verifying until it retires.
CREATE TABLE signing_keys (
    key_id TEXT PRIMARY KEY,
    algorithm TEXT NOT NULL DEFAULT 'EdDSA',
    private_key BYTEA NOT NULL,
    public_key BYTEA NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    retires_at TIMESTAMP WITH TIME ZONE,

    CONSTRAINT ed25519_key_sizes CHECK (length(private_key) = 32 AND length(public_key) = 32)
);

CREATE UNIQUE INDEX signing_keys_one_current ON signing_keys ((retires_at IS NULL)) WHERE retires_at IS NULL;
