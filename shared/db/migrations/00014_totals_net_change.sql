-- An update of contacts or matters changes their running totals by its net
-- change only, one key after another in key order: two saves moving rows
-- between the same two keys in opposite directions no longer lock them in
-- opposite orders (a deadlock), and a save that moves nothing (a touch, a
-- rename) locks no totals row at all.

-- +goose Up
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION contact_totals_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO contact_totals AS t (firm_id, kind, n)
    SELECT firm_id, kind, sum(d) FROM (
        SELECT firm_id, kind, 1 AS d FROM new_rows WHERE archived_at IS NULL
        UNION ALL SELECT firm_id, kind, -1 FROM old_rows WHERE archived_at IS NULL) x
    GROUP BY firm_id, kind HAVING sum(d) <> 0 ORDER BY firm_id, kind
    ON CONFLICT (firm_id, kind) DO UPDATE SET n = t.n + excluded.n, updated_at = now();
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION matter_totals_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO matter_totals AS t (firm_id, status_category, permission, n)
    SELECT firm_id, status_category, permission, sum(d) FROM (
        SELECT firm_id, status_category, permission, 1 AS d FROM new_rows
        UNION ALL SELECT firm_id, status_category, permission, -1 FROM old_rows) x
    GROUP BY firm_id, status_category, permission HAVING sum(d) <> 0
    ORDER BY firm_id, status_category, permission
    ON CONFLICT (firm_id, status_category, permission) DO UPDATE SET n = t.n + excluded.n, updated_at = now();
    RETURN NULL;
END $$;
-- +goose StatementEnd
DROP TRIGGER IF EXISTS contacts_totals_upd_old ON contacts;
DROP TRIGGER IF EXISTS contacts_totals_upd_new ON contacts;
DROP TRIGGER IF EXISTS contacts_totals_upd ON contacts;
CREATE TRIGGER contacts_totals_upd AFTER UPDATE ON contacts
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION contact_totals_update();
DROP TRIGGER IF EXISTS matters_totals_upd_old ON matters;
DROP TRIGGER IF EXISTS matters_totals_upd_new ON matters;
DROP TRIGGER IF EXISTS matters_totals_upd ON matters;
CREATE TRIGGER matters_totals_upd AFTER UPDATE ON matters
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION matter_totals_update();

-- +goose Down
DROP TRIGGER IF EXISTS matters_totals_upd ON matters;
CREATE TRIGGER matters_totals_upd_old AFTER UPDATE ON matters
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION matter_totals_delete();
CREATE TRIGGER matters_totals_upd_new AFTER UPDATE ON matters
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION matter_totals_insert();
DROP TRIGGER IF EXISTS contacts_totals_upd ON contacts;
CREATE TRIGGER contacts_totals_upd_old AFTER UPDATE ON contacts
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION contact_totals_delete();
CREATE TRIGGER contacts_totals_upd_new AFTER UPDATE ON contacts
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION contact_totals_insert();
DROP FUNCTION IF EXISTS matter_totals_update();
DROP FUNCTION IF EXISTS contact_totals_update();
