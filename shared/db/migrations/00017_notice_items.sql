-- A client notice names the item it announces, so the batched email leaves
-- out what the client already opened, or what the firm stopped sharing,
-- before it was sent (and is not sent when nothing is left).

-- +goose Up
ALTER TABLE client_notices ADD COLUMN IF NOT EXISTS document_id bigint;
ALTER TABLE client_notices ADD COLUMN IF NOT EXISTS message_id bigint;
ALTER TABLE client_notices ADD COLUMN IF NOT EXISTS folder_id bigint;

-- +goose Down
ALTER TABLE client_notices DROP COLUMN IF EXISTS folder_id;
ALTER TABLE client_notices DROP COLUMN IF EXISTS message_id;
ALTER TABLE client_notices DROP COLUMN IF EXISTS document_id;
