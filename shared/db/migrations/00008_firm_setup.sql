-- A firm sets itself up: its own details, and its team.

-- +goose Up
-- The firm's address and main phone and email, as its settings show them.
ALTER TABLE firms ADD COLUMN IF NOT EXISTS street       text NOT NULL DEFAULT '';
ALTER TABLE firms ADD COLUMN IF NOT EXISTS city         text NOT NULL DEFAULT '';
ALTER TABLE firms ADD COLUMN IF NOT EXISTS province     text NOT NULL DEFAULT '';
ALTER TABLE firms ADD COLUMN IF NOT EXISTS postal_code  text NOT NULL DEFAULT '';
ALTER TABLE firms ADD COLUMN IF NOT EXISTS country      text NOT NULL DEFAULT '';
ALTER TABLE firms ADD COLUMN IF NOT EXISTS main_phone   text NOT NULL DEFAULT '';
ALTER TABLE firms ADD COLUMN IF NOT EXISTS main_email   text NOT NULL DEFAULT '';

-- A user's last sign-in is their newest used link (the team list shows it;
-- one without any is still "invited").
CREATE INDEX IF NOT EXISTS login_tokens_user_idx ON login_tokens (firm_id, user_id, used_at) WHERE user_id IS NOT NULL;

-- The team list pages by name.
CREATE INDEX IF NOT EXISTS users_team_idx ON users (firm_id, first_name, last_name, id);

-- +goose Down
DROP INDEX IF EXISTS users_team_idx;
DROP INDEX IF EXISTS login_tokens_user_idx;
ALTER TABLE firms DROP COLUMN IF EXISTS main_email;
ALTER TABLE firms DROP COLUMN IF EXISTS main_phone;
ALTER TABLE firms DROP COLUMN IF EXISTS country;
ALTER TABLE firms DROP COLUMN IF EXISTS postal_code;
ALTER TABLE firms DROP COLUMN IF EXISTS province;
ALTER TABLE firms DROP COLUMN IF EXISTS city;
ALTER TABLE firms DROP COLUMN IF EXISTS street;
