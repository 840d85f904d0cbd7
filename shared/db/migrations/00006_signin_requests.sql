-- Sign-in links are made by the worker, one task per request for a link;
-- the request's ID on each link lets a redelivered task skip the accounts
-- it already sent a link to.

-- +goose Up
ALTER TABLE login_tokens ADD COLUMN IF NOT EXISTS request_id text;
CREATE UNIQUE INDEX IF NOT EXISTS login_tokens_request_idx
    ON login_tokens (request_id, firm_id, coalesce(user_id, 0), coalesce(contact_id, 0))
    WHERE request_id IS NOT NULL;

-- +goose Down
DROP INDEX IF EXISTS login_tokens_request_idx;
ALTER TABLE login_tokens DROP COLUMN IF EXISTS request_id;
