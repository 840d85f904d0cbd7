-- The firm opens and keeps its own matters: numbering, practice areas,
-- attorneys, dates, and who changed them.

-- +goose Up
ALTER TABLE matters ADD COLUMN IF NOT EXISTS originating_user_id bigint;
ALTER TABLE matters ADD COLUMN IF NOT EXISTS location            text NOT NULL DEFAULT '';
ALTER TABLE matters ADD COLUMN IF NOT EXISTS pending_at          date;
ALTER TABLE matters ADD COLUMN IF NOT EXISTS created_by_user_id  bigint;
ALTER TABLE matters ADD COLUMN IF NOT EXISTS updated_by_user_id  bigint;
ALTER TABLE matters DROP CONSTRAINT IF EXISTS matters_originating_fk;
ALTER TABLE matters ADD CONSTRAINT matters_originating_fk FOREIGN KEY (firm_id, originating_user_id) REFERENCES users (firm_id, id);
ALTER TABLE matters DROP CONSTRAINT IF EXISTS matters_created_by_fk;
ALTER TABLE matters ADD CONSTRAINT matters_created_by_fk FOREIGN KEY (firm_id, created_by_user_id) REFERENCES users (firm_id, id);
ALTER TABLE matters DROP CONSTRAINT IF EXISTS matters_updated_by_fk;
ALTER TABLE matters ADD CONSTRAINT matters_updated_by_fk FOREIGN KEY (firm_id, updated_by_user_id) REFERENCES users (firm_id, id);

-- The list's filters, each an index in the list's order: by status
-- category, by practice area, and a user's own matters (responsible or
-- originating).
CREATE INDEX IF NOT EXISTS matters_category_idx ON matters (firm_id, status_category, updated_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS matters_area_idx ON matters (firm_id, practice_area, (status_category = 'closed'), updated_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS matters_responsible_idx ON matters (firm_id, responsible_user_id) WHERE responsible_user_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS matters_originating_idx ON matters (firm_id, originating_user_id) WHERE originating_user_id IS NOT NULL;

-- A firm's matters are numbered in one sequence, written out by the
-- firm's format ({number} zero-padded to five digits, {client} the
-- client's last name, {year}).
ALTER TABLE firms ADD COLUMN IF NOT EXISTS matter_number_format text NOT NULL DEFAULT '{number}-{client}';
ALTER TABLE firms ADD COLUMN IF NOT EXISTS next_matter_number   bigint NOT NULL DEFAULT 1;
UPDATE firms f SET next_matter_number = (SELECT count(*) + 1 FROM matters m WHERE m.firm_id = f.id);

-- The practice areas a firm offers on its matters (admins edit them).
CREATE TABLE IF NOT EXISTS practice_areas (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    firm_id     bigint NOT NULL REFERENCES firms (id) ON DELETE CASCADE,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX IF NOT EXISTS practice_areas_name ON practice_areas (firm_id, lower(name));
INSERT INTO practice_areas (firm_id, name)
SELECT DISTINCT firm_id, left(practice_area, 100) FROM matters WHERE practice_area <> ''
ON CONFLICT DO NOTHING;

-- How many matters a firm has, by status category and permission: the
-- list's count without counting them (a member's adds the restricted
-- matters they are listed on).
CREATE TABLE IF NOT EXISTS matter_totals (
    firm_id          bigint NOT NULL REFERENCES firms (id) ON DELETE CASCADE,
    status_category  text NOT NULL,
    permission       text NOT NULL,
    n                bigint NOT NULL DEFAULT 0,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (firm_id, status_category, permission)
);
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION matter_totals_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO matter_totals AS t (firm_id, status_category, permission, n)
    SELECT firm_id, status_category, permission, count(*) FROM new_rows
    GROUP BY firm_id, status_category, permission ORDER BY firm_id, status_category, permission
    ON CONFLICT (firm_id, status_category, permission) DO UPDATE SET n = t.n + excluded.n, updated_at = now();
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION matter_totals_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE matter_totals t SET n = t.n - d.n, updated_at = now()
    FROM (SELECT firm_id, status_category, permission, count(*) AS n FROM old_rows
          GROUP BY firm_id, status_category, permission) d
    WHERE t.firm_id = d.firm_id AND t.status_category = d.status_category AND t.permission = d.permission;
    RETURN NULL;
END $$;
-- +goose StatementEnd
DROP TRIGGER IF EXISTS matters_totals_ins ON matters;
CREATE TRIGGER matters_totals_ins AFTER INSERT ON matters
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION matter_totals_insert();
DROP TRIGGER IF EXISTS matters_totals_del ON matters;
CREATE TRIGGER matters_totals_del AFTER DELETE ON matters
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION matter_totals_delete();
DROP TRIGGER IF EXISTS matters_totals_upd_old ON matters;
CREATE TRIGGER matters_totals_upd_old AFTER UPDATE ON matters
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION matter_totals_delete();
DROP TRIGGER IF EXISTS matters_totals_upd_new ON matters;
CREATE TRIGGER matters_totals_upd_new AFTER UPDATE ON matters
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION matter_totals_insert();
INSERT INTO matter_totals (firm_id, status_category, permission, n)
SELECT firm_id, status_category, permission, count(*) FROM matters GROUP BY firm_id, status_category, permission
ON CONFLICT (firm_id, status_category, permission) DO UPDATE SET n = excluded.n;

-- +goose Down
DROP TRIGGER IF EXISTS matters_totals_upd_new ON matters;
DROP TRIGGER IF EXISTS matters_totals_upd_old ON matters;
DROP TRIGGER IF EXISTS matters_totals_del ON matters;
DROP TRIGGER IF EXISTS matters_totals_ins ON matters;
DROP FUNCTION IF EXISTS matter_totals_delete();
DROP FUNCTION IF EXISTS matter_totals_insert();
DROP TABLE IF EXISTS matter_totals;
DROP TABLE IF EXISTS practice_areas;
ALTER TABLE firms DROP COLUMN IF EXISTS next_matter_number;
ALTER TABLE firms DROP COLUMN IF EXISTS matter_number_format;
DROP INDEX IF EXISTS matters_originating_idx;
DROP INDEX IF EXISTS matters_responsible_idx;
DROP INDEX IF EXISTS matters_area_idx;
DROP INDEX IF EXISTS matters_category_idx;
ALTER TABLE matters DROP CONSTRAINT IF EXISTS matters_updated_by_fk;
ALTER TABLE matters DROP CONSTRAINT IF EXISTS matters_created_by_fk;
ALTER TABLE matters DROP CONSTRAINT IF EXISTS matters_originating_fk;
ALTER TABLE matters DROP COLUMN IF EXISTS updated_by_user_id;
ALTER TABLE matters DROP COLUMN IF EXISTS created_by_user_id;
ALTER TABLE matters DROP COLUMN IF EXISTS pending_at;
ALTER TABLE matters DROP COLUMN IF EXISTS location;
ALTER TABLE matters DROP COLUMN IF EXISTS originating_user_id;
