-- The transactional outbox: events are written here in the same transaction as the change they
-- describe, and the relay publishes them to Redis streams afterwards.
CREATE TABLE outbox (
    id bigserial PRIMARY KEY,
    event_id uuid NOT NULL UNIQUE,
    topic text NOT NULL CHECK (topic ~ '^[a-z][a-z0-9_.-]{0,99}$'),
    payload text NOT NULL,
    occurred_at timestamptz NOT NULL DEFAULT now(),
    published_at timestamptz
);
CREATE INDEX outbox_unpublished_idx ON outbox (id) WHERE published_at IS NULL;

-- Events this service's consumers have handled, written in the handler's transaction, so a
-- redelivered event (at-least-once) changes nothing the second time.
CREATE TABLE processed_events (
    consumer_group text NOT NULL,
    event_id uuid NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer_group, event_id)
);
