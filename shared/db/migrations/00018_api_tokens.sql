-- Personal API tokens: a firm user's own scripts call /api/v1 as that
-- user. Only a SHA-256 of each token is kept; the token is shown once.

-- +goose Up
CREATE TABLE IF NOT EXISTS api_tokens (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    firm_id      bigint NOT NULL,
    user_id      bigint NOT NULL,
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    token_hash   bytea NOT NULL UNIQUE,
    last_used_at timestamptz,
    revoked_at   timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (firm_id, user_id) REFERENCES users (firm_id, id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS api_tokens_user_idx ON api_tokens (firm_id, user_id, id DESC);

-- +goose Down
DROP TABLE IF EXISTS api_tokens;
