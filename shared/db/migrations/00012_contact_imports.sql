-- Contacts imported from a CSV file: the file read into rows, each to
-- create, update (matched by email or phone) or refuse, shown before the
-- user confirms; then saved by the worker, a batch at a time.

-- +goose Up
CREATE TABLE IF NOT EXISTS contact_imports (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    firm_id     bigint NOT NULL REFERENCES firms (id) ON DELETE CASCADE,
    user_id     bigint NOT NULL,
    file_name   text NOT NULL,
    state       text NOT NULL DEFAULT 'previewed' CHECK (state IN ('previewed', 'queued', 'running', 'done', 'failed')),
    to_create   integer NOT NULL DEFAULT 0,
    to_update   integer NOT NULL DEFAULT 0,
    refused     integer NOT NULL DEFAULT 0,
    processed   integer NOT NULL DEFAULT 0,
    error       text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (firm_id, id),
    FOREIGN KEY (firm_id, user_id) REFERENCES users (firm_id, id)
);
CREATE TABLE IF NOT EXISTS contact_import_rows (
    firm_id     bigint NOT NULL,
    import_id   bigint NOT NULL,
    line        integer NOT NULL,
    action      text NOT NULL CHECK (action IN ('create', 'update', 'refuse')),
    contact_id  bigint,
    name        text NOT NULL DEFAULT '',
    input       jsonb NOT NULL,
    reason      text NOT NULL DEFAULT '',
    done        boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (import_id, line),
    FOREIGN KEY (firm_id, import_id) REFERENCES contact_imports (firm_id, id) ON DELETE CASCADE
);
-- What the worker has left to save, in file order.
CREATE INDEX IF NOT EXISTS contact_import_rows_pending ON contact_import_rows (import_id, line) WHERE NOT done AND action <> 'refuse';
-- The preview's lists, one per action, in file order.
CREATE INDEX IF NOT EXISTS contact_import_rows_action ON contact_import_rows (import_id, action, line);

-- +goose Down
DROP TABLE IF EXISTS contact_import_rows;
DROP TABLE IF EXISTS contact_imports;
