-- How many matters a contact is on (as client or related contact), kept on
-- the contact by the matters' triggers. The staff contact list counts the
-- matters a viewer may see only for contacts whose matter_links is above
-- zero: four in five contacts of a big firm are on no matter, and counting
-- theirs (index look-ups and a sort a row) was a third of a search's
-- Postgres time. It is a hint of where to count, never shown itself.

-- +goose Up
ALTER TABLE contacts ADD COLUMN IF NOT EXISTS matter_links integer NOT NULL DEFAULT 0;

-- +goose StatementBegin
-- Each change adds its net count to each contact (a save that moves
-- nothing writes nothing), contacts in ID order. TG_ARGV[0] is the
-- table's contact column; the statement's rows are -1 for old, +1 for new.
CREATE OR REPLACE FUNCTION matter_links_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    links text := CASE TG_OP
        WHEN 'INSERT' THEN format('SELECT %I AS id, 1 AS d FROM new_rows', TG_ARGV[0])
        WHEN 'DELETE' THEN format('SELECT %I AS id, -1 AS d FROM old_rows', TG_ARGV[0])
        ELSE format('SELECT %I AS id, -1 AS d FROM old_rows UNION ALL SELECT %I, 1 FROM new_rows', TG_ARGV[0], TG_ARGV[0]) END;
BEGIN
    EXECUTE 'UPDATE contacts c SET matter_links = c.matter_links + x.d
        FROM (SELECT id, sum(d)::integer AS d FROM (' || links || ') l
            GROUP BY 1 HAVING sum(d) <> 0 ORDER BY 1) x
        WHERE c.id = x.id';
    RETURN NULL;
END $$;
-- +goose StatementEnd
DROP TRIGGER IF EXISTS matters_links_ins ON matters;
CREATE TRIGGER matters_links_ins AFTER INSERT ON matters
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION matter_links_changed('client_contact_id');
DROP TRIGGER IF EXISTS matters_links_upd ON matters;
CREATE TRIGGER matters_links_upd AFTER UPDATE ON matters
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION matter_links_changed('client_contact_id');
DROP TRIGGER IF EXISTS matters_links_del ON matters;
CREATE TRIGGER matters_links_del AFTER DELETE ON matters
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION matter_links_changed('client_contact_id');
DROP TRIGGER IF EXISTS matter_related_links_ins ON matter_related_contacts;
CREATE TRIGGER matter_related_links_ins AFTER INSERT ON matter_related_contacts
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION matter_links_changed('contact_id');
DROP TRIGGER IF EXISTS matter_related_links_upd ON matter_related_contacts;
CREATE TRIGGER matter_related_links_upd AFTER UPDATE ON matter_related_contacts
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION matter_links_changed('contact_id');
DROP TRIGGER IF EXISTS matter_related_links_del ON matter_related_contacts;
CREATE TRIGGER matter_related_links_del AFTER DELETE ON matter_related_contacts
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION matter_links_changed('contact_id');

-- The backfill changes no term and no total: their triggers sit it out.
ALTER TABLE contacts DISABLE TRIGGER contacts_terms_upd;
ALTER TABLE contacts DISABLE TRIGGER contacts_totals_upd;
UPDATE contacts c SET matter_links = x.n
FROM (SELECT contact_id, count(*) AS n FROM (
        SELECT client_contact_id AS contact_id FROM matters
        UNION ALL SELECT contact_id FROM matter_related_contacts) l
    GROUP BY contact_id) x
WHERE c.id = x.contact_id;
ALTER TABLE contacts ENABLE TRIGGER contacts_terms_upd;
ALTER TABLE contacts ENABLE TRIGGER contacts_totals_upd;

-- +goose Down
DROP TRIGGER IF EXISTS matter_related_links_del ON matter_related_contacts;
DROP TRIGGER IF EXISTS matter_related_links_upd ON matter_related_contacts;
DROP TRIGGER IF EXISTS matter_related_links_ins ON matter_related_contacts;
DROP TRIGGER IF EXISTS matters_links_del ON matters;
DROP TRIGGER IF EXISTS matters_links_upd ON matters;
DROP TRIGGER IF EXISTS matters_links_ins ON matters;
DROP FUNCTION IF EXISTS matter_links_changed();
ALTER TABLE contacts DROP COLUMN IF EXISTS matter_links;
