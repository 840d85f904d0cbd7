-- Inbox leads: people who asked the firm for help and are not clients yet.
-- Integrations (an intake form, a website chat) create them through the
-- API; a text from a number that is no contact makes one (from_source
-- text_message, one open lead per number, later texts attach to it). Staff
-- triage them: convert (a contact and a matter, whose inbox_lead_id keeps
-- where it came from) or ignore (restorable).

-- +goose Up
CREATE TABLE IF NOT EXISTS inbox_leads (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    firm_id             bigint NOT NULL REFERENCES firms (id) ON DELETE CASCADE,
    first_name          text NOT NULL DEFAULT '' CHECK (length(first_name) <= 100),
    last_name           text NOT NULL DEFAULT '' CHECK (length(last_name) <= 100),
    email               text NOT NULL DEFAULT '' CHECK (length(email) <= 254),
    phone_number        text NOT NULL DEFAULT '',
    from_message        text NOT NULL DEFAULT '' CHECK (length(from_message) <= 10000),
    from_source         text NOT NULL CHECK (from_source ~ '^[a-z0-9_]{1,50}$'),
    state               text NOT NULL DEFAULT 'untriaged' CHECK (state IN ('untriaged', 'ignored', 'converted')),
    -- The personal API token that created it (the API's submitted_only).
    api_token_id        bigint REFERENCES api_tokens (id) ON DELETE SET NULL,
    contact_id          bigint,
    matter_id           bigint,
    triaged_by_user_id  bigint,
    triaged_at          timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (firm_id, id),
    CHECK (first_name <> '' OR last_name <> '' OR email <> '' OR phone_number <> ''),
    FOREIGN KEY (firm_id, contact_id) REFERENCES contacts (firm_id, id) ON DELETE SET NULL (contact_id),
    FOREIGN KEY (firm_id, matter_id) REFERENCES matters (firm_id, id) ON DELETE SET NULL (matter_id),
    FOREIGN KEY (firm_id, triaged_by_user_id) REFERENCES users (firm_id, id)
);
-- The Inbox and the API's list: a state's leads, newest first or by ID.
CREATE INDEX IF NOT EXISTS inbox_leads_state_idx ON inbox_leads (firm_id, state, id);
-- One open lead per texting number: later texts attach to it.
CREATE UNIQUE INDEX IF NOT EXISTS inbox_leads_open_number_idx ON inbox_leads (firm_id, phone_number)
    WHERE from_source = 'text_message' AND state <> 'converted';

-- A lead's page shows its number's texts; converting it moves them.
CREATE INDEX IF NOT EXISTS unknown_texts_number_idx ON unknown_texts (firm_id, from_number, created_at DESC, id DESC);

ALTER TABLE matters ADD COLUMN IF NOT EXISTS inbox_lead_id bigint;
ALTER TABLE matters ADD CONSTRAINT matters_inbox_lead_fk FOREIGN KEY (firm_id, inbox_lead_id)
    REFERENCES inbox_leads (firm_id, id) ON DELETE SET NULL (inbox_lead_id);
CREATE INDEX IF NOT EXISTS matters_inbox_lead_idx ON matters (firm_id, inbox_lead_id) WHERE inbox_lead_id IS NOT NULL;

-- +goose Down
ALTER TABLE matters DROP CONSTRAINT IF EXISTS matters_inbox_lead_fk;
DROP INDEX IF EXISTS matters_inbox_lead_idx;
ALTER TABLE matters DROP COLUMN IF EXISTS inbox_lead_id;
DROP INDEX IF EXISTS unknown_texts_number_idx;
DROP TABLE IF EXISTS inbox_leads;
