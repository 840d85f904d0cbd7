-- A member's matter count adds the restricted matters they are listed on.
-- It looked each listing's matter up (its permission and status category),
-- 200 index look-ups for a member on 200 matters: two fifths of the matter
-- list's Postgres time. The listing now carries its matter's permission
-- and status category, kept by triggers, and the count reads one index.

-- +goose Up
ALTER TABLE matter_permitted_users ADD COLUMN IF NOT EXISTS permission text;
ALTER TABLE matter_permitted_users ADD COLUMN IF NOT EXISTS status_category text;
UPDATE matter_permitted_users p SET permission = m.permission, status_category = m.status_category
FROM matters m WHERE m.firm_id = p.firm_id AND m.id = p.matter_id;
ALTER TABLE matter_permitted_users ALTER COLUMN permission SET NOT NULL;
ALTER TABLE matter_permitted_users ALTER COLUMN status_category SET NOT NULL;

-- +goose StatementBegin
-- A new listing copies its matter's. FOR SHARE waits for a save of the
-- matter under way and reads what it saved, so a listing added while the
-- matter changes cannot keep the old values.
CREATE OR REPLACE FUNCTION matter_permitted_users_fill() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT m.permission, m.status_category INTO NEW.permission, NEW.status_category
    FROM matters m WHERE m.firm_id = NEW.firm_id AND m.id = NEW.matter_id FOR SHARE;
    IF NOT FOUND THEN -- the foreign key refuses it, with its own error
        NEW.permission := ''; NEW.status_category := '';
    END IF;
    RETURN NEW;
END $$;
-- A matter that changes either passes it on to its listings.
CREATE OR REPLACE FUNCTION matter_permitted_users_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE matter_permitted_users SET permission = NEW.permission, status_category = NEW.status_category
    WHERE matter_id = NEW.id AND firm_id = NEW.firm_id;
    RETURN NULL;
END $$;
-- +goose StatementEnd
DROP TRIGGER IF EXISTS matter_permitted_users_fill ON matter_permitted_users;
CREATE TRIGGER matter_permitted_users_fill BEFORE INSERT OR UPDATE OF firm_id, matter_id ON matter_permitted_users
    FOR EACH ROW EXECUTE FUNCTION matter_permitted_users_fill();
DROP TRIGGER IF EXISTS matters_permitted_follow ON matters;
CREATE TRIGGER matters_permitted_follow AFTER UPDATE OF permission, status_category ON matters FOR EACH ROW
    WHEN (OLD.permission IS DISTINCT FROM NEW.permission OR OLD.status_category IS DISTINCT FROM NEW.status_category)
    EXECUTE FUNCTION matter_permitted_users_follow();

CREATE INDEX IF NOT EXISTS matter_permitted_users_restricted_idx
    ON matter_permitted_users (firm_id, user_id, status_category) WHERE permission = 'users';

-- +goose Down
DROP INDEX IF EXISTS matter_permitted_users_restricted_idx;
DROP TRIGGER IF EXISTS matters_permitted_follow ON matters;
DROP TRIGGER IF EXISTS matter_permitted_users_fill ON matter_permitted_users;
DROP FUNCTION IF EXISTS matter_permitted_users_follow();
DROP FUNCTION IF EXISTS matter_permitted_users_fill();
ALTER TABLE matter_permitted_users DROP COLUMN IF EXISTS status_category;
ALTER TABLE matter_permitted_users DROP COLUMN IF EXISTS permission;
