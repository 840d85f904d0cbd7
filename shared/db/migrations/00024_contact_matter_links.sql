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
-- nothing writes nothing), contacts in ID order.
CREATE OR REPLACE FUNCTION matter_links_matters() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE contacts c SET matter_links = c.matter_links + x.d
        FROM (SELECT client_contact_id AS id, count(*)::integer AS d FROM new_rows GROUP BY 1 ORDER BY 1) x WHERE c.id = x.id;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE contacts c SET matter_links = c.matter_links - x.d
        FROM (SELECT client_contact_id AS id, count(*)::integer AS d FROM old_rows GROUP BY 1 ORDER BY 1) x WHERE c.id = x.id;
    ELSE
        UPDATE contacts c SET matter_links = c.matter_links + x.d
        FROM (SELECT id, sum(d)::integer AS d FROM (
                SELECT client_contact_id AS id, -1 AS d FROM old_rows
                UNION ALL SELECT client_contact_id, 1 FROM new_rows) l
            GROUP BY 1 HAVING sum(d) <> 0 ORDER BY 1) x
        WHERE c.id = x.id;
    END IF;
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION matter_links_related() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE contacts c SET matter_links = c.matter_links + x.d
        FROM (SELECT contact_id AS id, count(*)::integer AS d FROM new_rows GROUP BY 1 ORDER BY 1) x WHERE c.id = x.id;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE contacts c SET matter_links = c.matter_links - x.d
        FROM (SELECT contact_id AS id, count(*)::integer AS d FROM old_rows GROUP BY 1 ORDER BY 1) x WHERE c.id = x.id;
    ELSE
        UPDATE contacts c SET matter_links = c.matter_links + x.d
        FROM (SELECT id, sum(d)::integer AS d FROM (
                SELECT contact_id AS id, -1 AS d FROM old_rows
                UNION ALL SELECT contact_id, 1 FROM new_rows) l
            GROUP BY 1 HAVING sum(d) <> 0 ORDER BY 1) x
        WHERE c.id = x.id;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
DROP TRIGGER IF EXISTS matters_links_ins ON matters;
CREATE TRIGGER matters_links_ins AFTER INSERT ON matters
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION matter_links_matters();
DROP TRIGGER IF EXISTS matters_links_upd ON matters;
CREATE TRIGGER matters_links_upd AFTER UPDATE ON matters
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION matter_links_matters();
DROP TRIGGER IF EXISTS matters_links_del ON matters;
CREATE TRIGGER matters_links_del AFTER DELETE ON matters
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION matter_links_matters();
DROP TRIGGER IF EXISTS matter_related_links_ins ON matter_related_contacts;
CREATE TRIGGER matter_related_links_ins AFTER INSERT ON matter_related_contacts
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION matter_links_related();
DROP TRIGGER IF EXISTS matter_related_links_upd ON matter_related_contacts;
CREATE TRIGGER matter_related_links_upd AFTER UPDATE ON matter_related_contacts
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION matter_links_related();
DROP TRIGGER IF EXISTS matter_related_links_del ON matter_related_contacts;
CREATE TRIGGER matter_related_links_del AFTER DELETE ON matter_related_contacts
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION matter_links_related();

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
DROP FUNCTION IF EXISTS matter_links_related();
DROP FUNCTION IF EXISTS matter_links_matters();
ALTER TABLE contacts DROP COLUMN IF EXISTS matter_links;
