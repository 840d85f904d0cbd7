-- Custom actions: links an integration adds to a page's actions menu in the
-- staff workspace. Following one mints a nonce, single use for 60 seconds,
-- that the integration's next API request carries to prove a user of the
-- firm clicked it. An action belongs to what created it: a personal API
-- token (api_token_id) or, once OAuth applications exist, an application.

-- +goose Up
CREATE TABLE IF NOT EXISTS custom_actions (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    firm_id             bigint NOT NULL REFERENCES firms (id) ON DELETE CASCADE,
    label               text NOT NULL CHECK (length(label) BETWEEN 1 AND 100),
    ui_reference        text NOT NULL CHECK (ui_reference IN ('contacts/show', 'matters/show', 'inbox_leads/show')),
    target_url          text NOT NULL CHECK (length(target_url) <= 2000),
    api_token_id        bigint NOT NULL,
    created_by_user_id  bigint NOT NULL,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (firm_id, id),
    FOREIGN KEY (firm_id, created_by_user_id) REFERENCES users (firm_id, id),
    FOREIGN KEY (api_token_id) REFERENCES api_tokens (id) ON DELETE CASCADE
);
-- A page's menu: the firm's actions for that page.
CREATE INDEX IF NOT EXISTS custom_actions_page_idx ON custom_actions (firm_id, ui_reference, id);
-- The API's list: the caller's own actions, by ID.
CREATE INDEX IF NOT EXISTS custom_actions_token_idx ON custom_actions (api_token_id, id);

CREATE TABLE IF NOT EXISTS custom_action_nonces (
    nonce_hash        bytea PRIMARY KEY,
    firm_id           bigint NOT NULL,
    custom_action_id  bigint NOT NULL,
    user_id           bigint NOT NULL,
    expires_at        timestamptz NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (firm_id, custom_action_id) REFERENCES custom_actions (firm_id, id) ON DELETE CASCADE,
    FOREIGN KEY (firm_id, user_id) REFERENCES users (firm_id, id) ON DELETE CASCADE
);
-- Minting sweeps the nonces no request used.
CREATE INDEX IF NOT EXISTS custom_action_nonces_expiry_idx ON custom_action_nonces (expires_at);

-- +goose Down
DROP TABLE IF EXISTS custom_action_nonces;
DROP TABLE IF EXISTS custom_actions;
