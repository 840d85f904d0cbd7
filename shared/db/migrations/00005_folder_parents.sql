-- Shared-folder inheritance walks from a folder to its subfolders, and
-- deleting a folder cascades to them: both look folders up by parent.

-- +goose Up
CREATE INDEX IF NOT EXISTS folders_parent_idx ON folders (firm_id, parent_id) WHERE parent_id IS NOT NULL;

-- +goose Down
DROP INDEX IF EXISTS folders_parent_idx;
