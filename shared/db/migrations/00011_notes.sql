-- Notes on contacts and matters, listed newest first by keyset: each list's
-- index ends with its sort key.

-- +goose Up
CREATE INDEX IF NOT EXISTS notes_matter_page ON notes (firm_id, matter_id, created_at DESC, id DESC) WHERE matter_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS notes_contact_page ON notes (firm_id, contact_id, created_at DESC, id DESC) WHERE contact_id IS NOT NULL;
DROP INDEX IF EXISTS notes_matter_idx;
DROP INDEX IF EXISTS notes_contact_idx;

-- +goose Down
CREATE INDEX IF NOT EXISTS notes_contact_idx ON notes (firm_id, contact_id, created_at);
CREATE INDEX IF NOT EXISTS notes_matter_idx ON notes (firm_id, matter_id, created_at);
DROP INDEX IF EXISTS notes_contact_page;
DROP INDEX IF EXISTS notes_matter_page;
