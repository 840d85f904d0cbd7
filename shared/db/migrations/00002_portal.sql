-- The client portal: passwordless sign-in links, secure messages per matter,
-- read receipts, and the queue of items a client is told about by email.

-- +goose Up
-- A contact may sign in to the portal once a firm user has invited them.
ALTER TABLE contacts ADD COLUMN IF NOT EXISTS portal_invited_at timestamptz;

-- Sign-in links. Only the SHA-256 of a token is stored, so a database leak
-- does not hand out sessions.
CREATE TABLE IF NOT EXISTS login_tokens (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    firm_id     bigint NOT NULL REFERENCES firms (id) ON DELETE CASCADE,
    token_hash  bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    email       text NOT NULL,
    user_id     bigint,
    contact_id  bigint,
    purpose     text NOT NULL DEFAULT 'login' CHECK (purpose IN ('login', 'invite')),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CHECK ((user_id IS NULL) <> (contact_id IS NULL)),
    FOREIGN KEY (firm_id, user_id) REFERENCES users (firm_id, id) ON DELETE CASCADE,
    FOREIGN KEY (firm_id, contact_id) REFERENCES contacts (firm_id, id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS login_tokens_expires_idx ON login_tokens (expires_at);

-- When the firm shared a document or folder, for "new" marks and notices.
ALTER TABLE documents ADD COLUMN IF NOT EXISTS shared_at timestamptz;
ALTER TABLE documents ADD COLUMN IF NOT EXISTS first_viewed_by_client_at timestamptz;
ALTER TABLE documents ADD COLUMN IF NOT EXISTS portal_message_id bigint;
ALTER TABLE folders ADD COLUMN IF NOT EXISTS shared_at timestamptz;

-- Secure messages between a matter's client and the firm.
CREATE TABLE IF NOT EXISTS portal_messages (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    firm_id            bigint NOT NULL,
    matter_id          bigint NOT NULL,
    author_user_id     bigint,
    author_contact_id  bigint,
    body               text NOT NULL CHECK (length(body) <= 10000),
    -- A firm message is read by the client; a client message by the firm.
    read_at            timestamptz,
    read_by_user_id    bigint,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (firm_id, id),
    CHECK ((author_user_id IS NULL) <> (author_contact_id IS NULL)),
    FOREIGN KEY (firm_id, matter_id) REFERENCES matters (firm_id, id) ON DELETE CASCADE,
    FOREIGN KEY (firm_id, author_user_id) REFERENCES users (firm_id, id),
    FOREIGN KEY (firm_id, author_contact_id) REFERENCES contacts (firm_id, id),
    FOREIGN KEY (firm_id, read_by_user_id) REFERENCES users (firm_id, id)
);
CREATE INDEX IF NOT EXISTS portal_messages_matter_idx ON portal_messages (firm_id, matter_id, created_at);

-- +goose StatementBegin
DO $$ BEGIN
    ALTER TABLE documents ADD CONSTRAINT documents_portal_message_fk
        FOREIGN KEY (firm_id, portal_message_id) REFERENCES portal_messages (firm_id, id) ON DELETE SET NULL (portal_message_id);
EXCEPTION WHEN duplicate_object THEN NULL;
END $$;
-- +goose StatementEnd

-- Items a client should hear about. The worker batches the pending ones of a
-- contact into one email after a short window.
CREATE TABLE IF NOT EXISTS client_notices (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    firm_id      bigint NOT NULL,
    contact_id   bigint NOT NULL,
    matter_id    bigint NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('document', 'message')),
    summary      text NOT NULL,
    notified_at  timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (firm_id, contact_id) REFERENCES contacts (firm_id, id) ON DELETE CASCADE,
    FOREIGN KEY (firm_id, matter_id) REFERENCES matters (firm_id, id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS client_notices_pending_idx ON client_notices (firm_id, contact_id) WHERE notified_at IS NULL;

-- +goose Down
DROP TABLE IF EXISTS client_notices;
ALTER TABLE documents DROP CONSTRAINT IF EXISTS documents_portal_message_fk;
DROP TABLE IF EXISTS portal_messages;
ALTER TABLE folders DROP COLUMN IF EXISTS shared_at;
ALTER TABLE documents DROP COLUMN IF EXISTS portal_message_id;
ALTER TABLE documents DROP COLUMN IF EXISTS first_viewed_by_client_at;
ALTER TABLE documents DROP COLUMN IF EXISTS shared_at;
DROP TABLE IF EXISTS login_tokens;
ALTER TABLE contacts DROP COLUMN IF EXISTS portal_invited_at;
