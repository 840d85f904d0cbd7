-- What the REST API answers of a contact is read from the contact's row.
-- A page of fifty contacts read their emails, numbers and addresses from
-- three tables and their matters from two more, fifty look-ups each: most
-- of the API's contact search in Postgres. Kept by triggers now:
--
-- - all_emails (primary first), all_phones (texting first), all_addresses
--   (oldest first, each its five parts), written by contact_lists_of with
--   the staff list's columns (00023), for the contacts whose emails or
--   numbers change (contact_terms_of calls it) and, by triggers of their
--   own, whose addresses do.
-- - matter_ids, the matters the contact is client of or related to,
--   written by contact_matters_of for the contacts a change of matters or
--   related contacts touches. It replaces matter_links (00024), a count
--   kept by net changes: the staff list counts, and the API lists, only
--   the matters among them the viewer may see.
--
-- Both recompute from the tables, so each first locks its contacts (in ID
-- order) and only then reads them: two saves touching one contact at once
-- (two matters opened for one client) take turns, and the second reads
-- what the first wrote. A volatile SQL function reads with a new snapshot
-- at each statement.

-- +goose Up
ALTER TABLE contacts ADD COLUMN IF NOT EXISTS all_emails text[] NOT NULL DEFAULT '{}';
ALTER TABLE contacts ADD COLUMN IF NOT EXISTS all_phones text[] NOT NULL DEFAULT '{}';
ALTER TABLE contacts ADD COLUMN IF NOT EXISTS all_addresses text[] NOT NULL DEFAULT '{}';
ALTER TABLE contacts ADD COLUMN IF NOT EXISTS matter_ids bigint[] NOT NULL DEFAULT '{}';

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION contact_lists_of(ids bigint[]) RETURNS void LANGUAGE sql AS $$
    SELECT 1 FROM unnest(ids) AS u(id) JOIN contacts c ON c.id = u.id ORDER BY c.id FOR NO KEY UPDATE OF c;
    -- The list's email is the primary, else the first; its number the
    -- texting one, else the primary, else a mobile, else the first. Joins,
    -- not a subquery a contact (see contact_terms_of); only a change is
    -- written, and the update's own term trigger sits it out
    -- (contact_terms_renamed).
    WITH u AS (SELECT DISTINCT id FROM unnest(ids) AS x(id)),
    e AS (SELECT e.contact_id, array_agg(e.address ORDER BY e.is_primary DESC, e.id) AS xs
        FROM u JOIN contact_emails e ON e.contact_id = u.id GROUP BY e.contact_id),
    p AS (SELECT p.contact_id, array_agg(p.number ORDER BY p.is_texting DESC, p.id) AS xs,
            (array_agg(p.number ORDER BY p.is_texting DESC, p.is_primary DESC, p.label = 'mobile' DESC, p.id))[1] AS first
        FROM u JOIN contact_phone_numbers p ON p.contact_id = u.id GROUP BY p.contact_id),
    a AS (SELECT a.contact_id, array_agg(ARRAY[a.street, a.city, a.province, a.postal_code, a.country] ORDER BY a.id) AS xs
        FROM u JOIN contact_addresses a ON a.contact_id = u.id GROUP BY a.contact_id),
    l AS (SELECT u.id, coalesce(e.xs[1], '') AS email, coalesce(p.first, '') AS phone,
            coalesce(e.xs, '{}') AS emails, coalesce(p.xs, '{}') AS phones, coalesce(a.xs, '{}') AS addresses
        FROM u LEFT JOIN e ON e.contact_id = u.id LEFT JOIN p ON p.contact_id = u.id LEFT JOIN a ON a.contact_id = u.id)
    UPDATE contacts c SET list_email = l.email, list_phone = l.phone,
        all_emails = l.emails, all_phones = l.phones, all_addresses = l.addresses
    FROM l
    WHERE c.id = l.id AND (c.list_email, c.list_phone, c.all_emails, c.all_phones, c.all_addresses)
        IS DISTINCT FROM (l.email, l.phone, l.emails, l.phones, l.addresses);
$$;
CREATE OR REPLACE FUNCTION contact_terms_of(ids bigint[]) RETURNS void LANGUAGE sql AS $$
    -- The batch is joined, never tested with = ANY (ids): over a table
    -- filled in the same transaction (stale statistics) the planner
    -- scanned it and compared every row with every ID, quadratic in the
    -- batch. One pass over the contacts, each one's emails and numbers
    -- read by their contact index.
    DELETE FROM contact_terms t USING unnest(ids) AS u(id) WHERE t.contact_id = u.id;
    INSERT INTO contact_terms (firm_id, contact_id, term, sort_name, kind, archived)
    SELECT DISTINCT c.firm_id, c.id, t.term, c.sort_name, c.kind, c.archived_at IS NOT NULL
    FROM unnest(ids) AS u(id) JOIN contacts c ON c.id = u.id CROSS JOIN LATERAL (
        SELECT c.sort_name AS term
        UNION ALL SELECT regexp_split_to_table(c.sort_name, '\s+')
        UNION ALL SELECT regexp_split_to_table(c.sort_name, '[^[:alnum:]]+')
        UNION ALL SELECT regexp_split_to_table(lower(c.middle_name), '[^[:alnum:]]+')
        UNION ALL SELECT x FROM contact_emails e, LATERAL (SELECT lower(e.address) AS a) l,
            unnest(ARRAY[l.a, split_part(l.a, '@', 2)]) x WHERE e.contact_id = c.id
        UNION ALL SELECT regexp_split_to_table(lower(e.address), '[^[:alnum:]]+') FROM contact_emails e
            WHERE e.contact_id = c.id
        UNION ALL SELECT '#' || substr(d.digits, i) FROM contact_phone_numbers p,
            LATERAL (SELECT regexp_replace(p.number, '\D', '', 'g') AS digits) d,
            generate_series(1, length(d.digits) - 2) i WHERE p.contact_id = c.id
    ) t
    WHERE t.term <> '';
    SELECT contact_lists_of(ids);
$$;
CREATE OR REPLACE FUNCTION contact_addresses_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM contact_lists_of(ARRAY(SELECT contact_id FROM new_rows));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM contact_lists_of(ARRAY(SELECT contact_id FROM old_rows));
    ELSE
        PERFORM contact_lists_of(ARRAY(SELECT contact_id FROM old_rows UNION ALL SELECT contact_id FROM new_rows));
    END IF;
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION contact_matters_of(ids bigint[]) RETURNS void LANGUAGE sql AS $$
    SELECT 1 FROM unnest(ids) AS u(id) JOIN contacts c ON c.id = u.id ORDER BY c.id FOR NO KEY UPDATE OF c;
    WITH u AS (SELECT DISTINCT c.id, c.firm_id FROM unnest(ids) AS x(id) JOIN contacts c ON c.id = x.id),
    links AS (SELECT m.client_contact_id AS contact_id, m.id AS matter_id
            FROM u JOIN matters m ON m.firm_id = u.firm_id AND m.client_contact_id = u.id
        UNION SELECT r.contact_id, r.matter_id
            FROM u JOIN matter_related_contacts r ON r.firm_id = u.firm_id AND r.contact_id = u.id),
    l AS (SELECT u.id, coalesce(array_agg(links.matter_id ORDER BY links.matter_id)
            FILTER (WHERE links.matter_id IS NOT NULL), '{}') AS matter_ids
        FROM u LEFT JOIN links ON links.contact_id = u.id GROUP BY u.id)
    UPDATE contacts c SET matter_ids = l.matter_ids
    FROM l WHERE c.id = l.id AND c.matter_ids IS DISTINCT FROM l.matter_ids;
$$;
-- The contacts whose links a change moves (a save that keeps a matter's
-- client moves none) have theirs recomputed. TG_ARGV[0] is the table's
-- contact column; the statement's rows are -1 for old, +1 for new.
CREATE OR REPLACE FUNCTION matter_links_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    links text := CASE TG_OP
        WHEN 'INSERT' THEN format('SELECT %I AS id, 1 AS d FROM new_rows', TG_ARGV[0])
        WHEN 'DELETE' THEN format('SELECT %I AS id, -1 AS d FROM old_rows', TG_ARGV[0])
        ELSE format('SELECT %I AS id, -1 AS d FROM old_rows UNION ALL SELECT %I, 1 FROM new_rows', TG_ARGV[0], TG_ARGV[0]) END;
BEGIN
    EXECUTE 'SELECT contact_matters_of(ARRAY(SELECT id FROM (' || links || ') l GROUP BY 1 HAVING sum(d) <> 0))';
    RETURN NULL;
END $$;
-- +goose StatementEnd
DROP TRIGGER IF EXISTS contact_addresses_lists_ins ON contact_addresses;
CREATE TRIGGER contact_addresses_lists_ins AFTER INSERT ON contact_addresses
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION contact_addresses_changed();
DROP TRIGGER IF EXISTS contact_addresses_lists_upd ON contact_addresses;
CREATE TRIGGER contact_addresses_lists_upd AFTER UPDATE ON contact_addresses
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION contact_addresses_changed();
DROP TRIGGER IF EXISTS contact_addresses_lists_del ON contact_addresses;
CREATE TRIGGER contact_addresses_lists_del AFTER DELETE ON contact_addresses
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION contact_addresses_changed();

-- The backfill changes no term and no total: their triggers sit it out.
ALTER TABLE contacts DISABLE TRIGGER contacts_terms_upd;
ALTER TABLE contacts DISABLE TRIGGER contacts_totals_upd;
SELECT contact_lists_of(ARRAY(SELECT id FROM contacts));
SELECT contact_matters_of(ARRAY(SELECT id FROM contacts));
ALTER TABLE contacts DROP COLUMN IF EXISTS matter_links;
ALTER TABLE contacts ENABLE TRIGGER contacts_terms_upd;
ALTER TABLE contacts ENABLE TRIGGER contacts_totals_upd;

-- +goose Down
DROP TRIGGER IF EXISTS contact_addresses_lists_del ON contact_addresses;
DROP TRIGGER IF EXISTS contact_addresses_lists_upd ON contact_addresses;
DROP TRIGGER IF EXISTS contact_addresses_lists_ins ON contact_addresses;
DROP FUNCTION IF EXISTS contact_addresses_changed();
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION contact_terms_of(ids bigint[]) RETURNS void LANGUAGE sql AS $$
    -- The batch is joined, never tested with = ANY (ids): over a table
    -- filled in the same transaction (stale statistics) the planner
    -- scanned it and compared every row with every ID, quadratic in the
    -- batch. One pass over the contacts, each one's emails and numbers
    -- read by their contact index.
    DELETE FROM contact_terms t USING unnest(ids) AS u(id) WHERE t.contact_id = u.id;
    INSERT INTO contact_terms (firm_id, contact_id, term, sort_name, kind, archived)
    SELECT DISTINCT c.firm_id, c.id, t.term, c.sort_name, c.kind, c.archived_at IS NOT NULL
    FROM unnest(ids) AS u(id) JOIN contacts c ON c.id = u.id CROSS JOIN LATERAL (
        SELECT c.sort_name AS term
        UNION ALL SELECT regexp_split_to_table(c.sort_name, '\s+')
        UNION ALL SELECT regexp_split_to_table(c.sort_name, '[^[:alnum:]]+')
        UNION ALL SELECT regexp_split_to_table(lower(c.middle_name), '[^[:alnum:]]+')
        UNION ALL SELECT x FROM contact_emails e, LATERAL (SELECT lower(e.address) AS a) l,
            unnest(ARRAY[l.a, split_part(l.a, '@', 2)]) x WHERE e.contact_id = c.id
        UNION ALL SELECT regexp_split_to_table(lower(e.address), '[^[:alnum:]]+') FROM contact_emails e
            WHERE e.contact_id = c.id
        UNION ALL SELECT '#' || substr(d.digits, i) FROM contact_phone_numbers p,
            LATERAL (SELECT regexp_replace(p.number, '\D', '', 'g') AS digits) d,
            generate_series(1, length(d.digits) - 2) i WHERE p.contact_id = c.id
    ) t
    WHERE t.term <> '';
    -- The list's email (the primary, else the first) and number (the
    -- texting one, else the primary, else a mobile, else the first).
    -- Only a change is written: the update fires contacts_terms_upd, which
    -- skips work it is nested in (contact_terms_renamed).
    -- Joins, not a subquery a contact: over stale statistics (a batch
    -- inserted in this transaction) the planner took each subquery for a
    -- scan of a table it thought small, once per contact.
    UPDATE contacts c SET list_email = coalesce(e.address, ''), list_phone = coalesce(p.number, '')
    FROM unnest(ids) AS u(id)
    LEFT JOIN (SELECT DISTINCT ON (e.contact_id) e.contact_id, e.address
        FROM unnest(ids) AS v(id) JOIN contact_emails e ON e.contact_id = v.id
        ORDER BY e.contact_id, e.is_primary DESC, e.id) e ON e.contact_id = u.id
    LEFT JOIN (SELECT DISTINCT ON (p.contact_id) p.contact_id, p.number
        FROM unnest(ids) AS v(id) JOIN contact_phone_numbers p ON p.contact_id = v.id
        ORDER BY p.contact_id, p.is_texting DESC, p.is_primary DESC, p.label = 'mobile' DESC, p.id) p ON p.contact_id = u.id
    WHERE c.id = u.id
        AND (c.list_email, c.list_phone) IS DISTINCT FROM (coalesce(e.address, ''), coalesce(p.number, ''));
$$;
-- +goose StatementEnd
DROP FUNCTION IF EXISTS contact_lists_of(bigint[]);
ALTER TABLE contacts ADD COLUMN IF NOT EXISTS matter_links integer NOT NULL DEFAULT 0;
-- +goose StatementBegin
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
DROP FUNCTION IF EXISTS contact_matters_of(bigint[]);
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
ALTER TABLE contacts DROP COLUMN IF EXISTS matter_ids;
ALTER TABLE contacts DROP COLUMN IF EXISTS all_addresses;
ALTER TABLE contacts DROP COLUMN IF EXISTS all_phones;
ALTER TABLE contacts DROP COLUMN IF EXISTS all_emails;
