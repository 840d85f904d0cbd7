-- Two-way texting: the firm's number, conversations kept per contact,
-- media, opt-outs, texts from unknown numbers, and the gateway's spool.

-- +goose Up
-- Texting settings of a firm. The number comes from the operator's pool.
ALTER TABLE firms ADD COLUMN IF NOT EXISTS texting_enabled boolean NOT NULL DEFAULT false;
ALTER TABLE firms ADD COLUMN IF NOT EXISTS texting_number text;   -- E.164, unique among firms
ALTER TABLE firms ADD COLUMN IF NOT EXISTS texting_dialect text;  -- 'twilio' | 'telnyx'
ALTER TABLE firms ADD COLUMN IF NOT EXISTS texting_alt_email text NOT NULL DEFAULT '';
ALTER TABLE firms ADD COLUMN IF NOT EXISTS texting_alt_phone text NOT NULL DEFAULT '';
CREATE UNIQUE INDEX IF NOT EXISTS firms_texting_number_idx ON firms (texting_number) WHERE texting_number IS NOT NULL;

-- Per-user preference: show the unread-texts badge.
ALTER TABLE users ADD COLUMN IF NOT EXISTS text_badge boolean NOT NULL DEFAULT true;

-- One row per text, in or out. A conversation is the contact's texts.
CREATE TABLE IF NOT EXISTS text_messages (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    firm_id             bigint NOT NULL REFERENCES firms (id) ON DELETE CASCADE,
    contact_id          bigint NOT NULL,
    direction           text NOT NULL CHECK (direction IN ('in', 'out')),
    dialect             text NOT NULL CHECK (dialect IN ('twilio', 'telnyx')),
    -- The carrier's ID; NULL for an outbound text not yet accepted by it.
    carrier_message_id  text,
    firm_number         text NOT NULL,
    contact_number      text NOT NULL,
    body                text NOT NULL DEFAULT '',
    -- Inbound: received. Outbound: queued, sending, sent, delivered, failed.
    status              text NOT NULL CHECK (status IN ('received', 'queued', 'sending', 'sent', 'delivered', 'failed')),
    failure_reason      text NOT NULL DEFAULT '',
    error_code          text NOT NULL DEFAULT '',
    sent_by_user_id     bigint,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (firm_id, id),
    FOREIGN KEY (firm_id, contact_id) REFERENCES contacts (firm_id, id) ON DELETE CASCADE,
    FOREIGN KEY (firm_id, sent_by_user_id) REFERENCES users (firm_id, id)
);
-- A carrier delivers at least once: one stored copy per carrier message.
CREATE UNIQUE INDEX IF NOT EXISTS text_messages_carrier_id_idx ON text_messages (dialect, carrier_message_id)
    WHERE carrier_message_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS text_messages_contact_idx ON text_messages (firm_id, contact_id, created_at, id);
CREATE INDEX IF NOT EXISTS text_messages_firm_idx ON text_messages (firm_id, created_at DESC);
-- Unread counts: inbound texts of a contact after the user's last read one.
CREATE INDEX IF NOT EXISTS text_messages_inbound_idx ON text_messages (firm_id, contact_id, id) WHERE direction = 'in';

-- Media items of an inbound MMS, kept (as documents) or refused.
CREATE TABLE IF NOT EXISTS text_media (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    firm_id        bigint NOT NULL,
    message_id     bigint NOT NULL,
    position       integer NOT NULL,
    url            text NOT NULL,
    declared_type  text NOT NULL DEFAULT '',
    sniffed_type   text NOT NULL DEFAULT '',
    status         text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'kept', 'refused')),
    reason         text NOT NULL DEFAULT '',
    size_bytes     bigint NOT NULL DEFAULT 0,
    sha256         text NOT NULL DEFAULT '',
    storage_key    text NOT NULL DEFAULT '',
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (firm_id, id),
    UNIQUE (message_id, position),
    FOREIGN KEY (firm_id, message_id) REFERENCES text_messages (firm_id, id) ON DELETE CASCADE
);

-- Documents made from a kept media item (one per matter of the contact).
ALTER TABLE documents ADD COLUMN IF NOT EXISTS text_media_id bigint;
CREATE UNIQUE INDEX IF NOT EXISTS documents_text_media_idx ON documents (text_media_id, coalesce(matter_id, 0), coalesce(contact_id, 0))
    WHERE text_media_id IS NOT NULL;

-- Which texts each firm user has read, per contact thread.
CREATE TABLE IF NOT EXISTS text_thread_reads (
    firm_id               bigint NOT NULL,
    user_id               bigint NOT NULL,
    contact_id            bigint NOT NULL,
    last_read_message_id  bigint NOT NULL DEFAULT 0,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, contact_id),
    FOREIGN KEY (firm_id, user_id) REFERENCES users (firm_id, id) ON DELETE CASCADE,
    FOREIGN KEY (firm_id, contact_id) REFERENCES contacts (firm_id, id) ON DELETE CASCADE
);

-- Opt-outs are per firm number and contact number (STOP applies to the
-- number it was sent to).
CREATE TABLE IF NOT EXISTS text_opt_outs (
    firm_id         bigint NOT NULL REFERENCES firms (id) ON DELETE CASCADE,
    firm_number     text NOT NULL,
    contact_number  text NOT NULL,
    opted_out_at    timestamptz NOT NULL DEFAULT now(),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (firm_number, contact_number)
);

-- Texts from numbers that are not contacts: kept out of conversations,
-- shown to the firm's administrators, and one step from becoming a contact.
CREATE TABLE IF NOT EXISTS unknown_texts (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    firm_id             bigint NOT NULL REFERENCES firms (id) ON DELETE CASCADE,
    dialect             text NOT NULL,
    carrier_message_id  text NOT NULL,
    from_number         text NOT NULL,
    body                text NOT NULL DEFAULT '',
    media_count         integer NOT NULL DEFAULT 0,
    contact_id          bigint,  -- set once turned into a contact
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (dialect, carrier_message_id)
);
CREATE INDEX IF NOT EXISTS unknown_texts_firm_idx ON unknown_texts (firm_id, created_at DESC);

-- Webhooks the gateway could not hand to Redis, kept until they can be.
-- (The gateway knows each number's firm from a map it refreshes in the
-- background, so its hot path makes no look-ups.)
CREATE TABLE IF NOT EXISTS gateway_spool (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    firm_id     bigint NOT NULL REFERENCES firms (id) ON DELETE CASCADE,
    task_type   text NOT NULL,
    task_id     text NOT NULL UNIQUE,
    payload     jsonb NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE IF EXISTS gateway_spool;
DROP TABLE IF EXISTS unknown_texts;
DROP TABLE IF EXISTS text_opt_outs;
DROP TABLE IF EXISTS text_thread_reads;
DROP INDEX IF EXISTS documents_text_media_idx;
ALTER TABLE documents DROP COLUMN IF EXISTS text_media_id;
DROP TABLE IF EXISTS text_media;
DROP TABLE IF EXISTS text_messages;
ALTER TABLE users DROP COLUMN IF EXISTS text_badge;
DROP INDEX IF EXISTS firms_texting_number_idx;
ALTER TABLE firms DROP COLUMN IF EXISTS texting_alt_phone;
ALTER TABLE firms DROP COLUMN IF EXISTS texting_alt_email;
ALTER TABLE firms DROP COLUMN IF EXISTS texting_dialect;
ALTER TABLE firms DROP COLUMN IF EXISTS texting_number;
ALTER TABLE firms DROP COLUMN IF EXISTS texting_enabled;
