-- 0005_ops.sql - operations: `iwmoctl purge --before DATE` empties the raw
-- bytes of old messages (messages.raw) and of the files delivered for them
-- (deliveries.content) and records when. Every state row stays; only the
-- copies of the original bytes, which hold BSNs and names, go.

ALTER TABLE messages ADD COLUMN purged_at timestamptz;
ALTER TABLE deliveries ADD COLUMN purged_at timestamptz;
CREATE INDEX messages_unpurged ON messages (received_at) WHERE purged_at IS NULL;
