-- Texts from unknown numbers are enquiries an administrator answers or
-- dismisses; the open ones are counted in the Communications badge and
-- listed at the top of Communications, from their own index.

-- +goose Up
ALTER TABLE unknown_texts ADD COLUMN IF NOT EXISTS dismissed_at timestamptz;
CREATE INDEX IF NOT EXISTS unknown_texts_open_idx ON unknown_texts (firm_id, created_at DESC, id DESC)
    WHERE contact_id IS NULL AND dismissed_at IS NULL;

-- +goose Down
DROP INDEX IF EXISTS unknown_texts_open_idx;
ALTER TABLE unknown_texts DROP COLUMN IF EXISTS dismissed_at;
