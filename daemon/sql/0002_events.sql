-- 0002_events.sql - the transactional outbox for events. A row is written in
-- the same transaction as the state change it reports; after COMMIT the
-- daemon sends it on its ZeroMQ PUB socket and sets published_at. Rows with
-- published_at NULL are sent again after a restart (at-least-once). seq is
-- the event's sequence number, repeated inside body; consumers drop
-- duplicates by it. Bodies never carry a BSN: a client is its pseudonym.

CREATE TABLE events (
    seq          bigserial PRIMARY KEY,
    event_id     uuid NOT NULL UNIQUE,
    topic        text NOT NULL,
    body         jsonb NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    published_at timestamptz
);
CREATE INDEX events_pending ON events (seq) WHERE published_at IS NULL;
CREATE INDEX events_published ON events (created_at) WHERE published_at IS NOT NULL;
