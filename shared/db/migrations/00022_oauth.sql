-- OAuth 2.0 for integrations: applications an admin registers, the
-- authorization requests a user approves, and the access and refresh tokens
-- they lead to. Codes, client secrets and refresh tokens are kept as
-- SHA-256 hashes. installation_keys holds the keys the authorization server
-- signs and encrypts with: the installation's own, no firm's, made once.
-- Scopes are kept as OAuth writes them, separated by spaces.

-- +goose Up
CREATE TABLE IF NOT EXISTS installation_keys (
    name        text PRIMARY KEY,
    value       bytea NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS oauth_apps (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    firm_id             bigint NOT NULL REFERENCES firms (id) ON DELETE CASCADE,
    name                text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    client_id           text NOT NULL UNIQUE,
    secret_hash         bytea NOT NULL,
    -- One per line, matched exactly.
    redirect_uris       text NOT NULL CHECK (redirect_uris <> ''),
    created_by_user_id  bigint NOT NULL,
    revoked_at          timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (firm_id, id),
    FOREIGN KEY (firm_id, created_by_user_id) REFERENCES users (firm_id, id)
);
CREATE INDEX IF NOT EXISTS oauth_apps_firm_idx ON oauth_apps (firm_id, id);

CREATE TABLE IF NOT EXISTS oauth_auth_requests (
    id                     uuid PRIMARY KEY,
    firm_id                bigint NOT NULL,
    app_id                 bigint NOT NULL,
    redirect_uri           text NOT NULL,
    scopes                 text NOT NULL DEFAULT '',
    state                  text NOT NULL DEFAULT '',
    nonce                  text NOT NULL DEFAULT '',
    code_challenge         text NOT NULL,
    response_mode          text NOT NULL DEFAULT '',
    -- Set when the user approves.
    user_id                bigint,
    approved_at            timestamptz,
    code_hash              bytea UNIQUE,
    code_expires_at        timestamptz,
    expires_at             timestamptz NOT NULL,
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (firm_id, app_id) REFERENCES oauth_apps (firm_id, id) ON DELETE CASCADE,
    FOREIGN KEY (firm_id, user_id) REFERENCES users (firm_id, id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS oauth_auth_requests_expiry_idx ON oauth_auth_requests (expires_at);

-- A refresh token's family is the grant it came from: rotating keeps the
-- family, and an old refresh token used again revokes all of it.
CREATE TABLE IF NOT EXISTS oauth_refresh_tokens (
    token_hash       bytea PRIMARY KEY,
    firm_id          bigint NOT NULL,
    app_id           bigint NOT NULL,
    user_id          bigint NOT NULL,
    family           uuid NOT NULL,
    scopes           text NOT NULL DEFAULT '',
    auth_time        timestamptz NOT NULL,
    expires_at       timestamptz NOT NULL,
    used_at          timestamptz,
    revoked_at       timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (firm_id, app_id) REFERENCES oauth_apps (firm_id, id) ON DELETE CASCADE,
    FOREIGN KEY (firm_id, user_id) REFERENCES users (firm_id, id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS oauth_refresh_tokens_family_idx ON oauth_refresh_tokens (family);

CREATE TABLE IF NOT EXISTS oauth_tokens (
    id          uuid PRIMARY KEY,
    firm_id     bigint NOT NULL,
    app_id      bigint NOT NULL,
    user_id     bigint NOT NULL,
    family      uuid,
    scopes      text NOT NULL DEFAULT '',
    expires_at  timestamptz NOT NULL,
    revoked_at  timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (firm_id, app_id) REFERENCES oauth_apps (firm_id, id) ON DELETE CASCADE,
    FOREIGN KEY (firm_id, user_id) REFERENCES users (firm_id, id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS oauth_tokens_family_idx ON oauth_tokens (family) WHERE family IS NOT NULL;

-- What an application makes through the API is its own, as a personal
-- token's is.
ALTER TABLE custom_actions ALTER COLUMN api_token_id DROP NOT NULL;
ALTER TABLE custom_actions ADD COLUMN IF NOT EXISTS oauth_app_id bigint REFERENCES oauth_apps (id) ON DELETE CASCADE;
ALTER TABLE custom_actions ADD CONSTRAINT custom_actions_one_owner CHECK ((api_token_id IS NULL) <> (oauth_app_id IS NULL));
CREATE INDEX IF NOT EXISTS custom_actions_app_idx ON custom_actions (oauth_app_id, id) WHERE oauth_app_id IS NOT NULL;
ALTER TABLE inbox_leads ADD COLUMN IF NOT EXISTS oauth_app_id bigint REFERENCES oauth_apps (id) ON DELETE SET NULL;

-- +goose Down
ALTER TABLE inbox_leads DROP COLUMN IF EXISTS oauth_app_id;
DROP INDEX IF EXISTS custom_actions_app_idx;
ALTER TABLE custom_actions DROP CONSTRAINT IF EXISTS custom_actions_one_owner;
ALTER TABLE custom_actions DROP COLUMN IF EXISTS oauth_app_id;
DROP TABLE IF EXISTS oauth_tokens;
DROP TABLE IF EXISTS oauth_refresh_tokens;
DROP TABLE IF EXISTS oauth_auth_requests;
DROP TABLE IF EXISTS oauth_apps;
DROP TABLE IF EXISTS installation_keys;
