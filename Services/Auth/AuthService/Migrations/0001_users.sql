-- Accounts and their preferences (seed design: users, user_preferences), plus the scopes an
-- account's tokens carry. Emails are stored lowercased; usernames keep their case but are unique
-- regardless of it.
CREATE TABLE users (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    email VARCHAR(255) UNIQUE NOT NULL,
    username VARCHAR(100) NOT NULL,
    password_hash VARCHAR(255) NOT NULL,
    full_name VARCHAR(255),
    scopes TEXT[] NOT NULL DEFAULT ARRAY['read', 'write', 'generate'],
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    is_verified BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    last_login_at TIMESTAMP WITH TIME ZONE,

    CONSTRAINT email_format CHECK (email ~* '^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$'),
    CONSTRAINT email_lowercase CHECK (email = lower(email)),
    CONSTRAINT username_format CHECK (username ~* '^[A-Za-z0-9_-]{3,}$'),
    CONSTRAINT user_scopes CHECK (scopes <@ ARRAY['read', 'write', 'generate', 'admin'])
);

CREATE UNIQUE INDEX users_username_key ON users (lower(username));
CREATE INDEX idx_users_created_at ON users (created_at);

CREATE TABLE user_preferences (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    preferred_genres TEXT[] NOT NULL DEFAULT '{}',
    preferred_moods TEXT[] NOT NULL DEFAULT '{}',
    default_structure JSONB NOT NULL DEFAULT '{}',
    language VARCHAR(10) NOT NULL DEFAULT 'en',
    theme VARCHAR(20) NOT NULL DEFAULT 'light',
    notifications_enabled BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT one_preference_per_user UNIQUE (user_id),
    CONSTRAINT preference_theme CHECK (theme IN ('light', 'dark', 'system')),
    CONSTRAINT preference_language CHECK (language ~ '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$'),
    CONSTRAINT preference_structure_object CHECK (jsonb_typeof(default_structure) = 'object')
);
