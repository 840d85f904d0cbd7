-- A contact's list row is read from the contact alone. The email and phone
-- number the staff list shows were two subqueries a row, a third of a
-- 100,000-contact firm's search in Postgres; they are kept on the contact
-- now (list_email, list_phone) by contact_terms_of, which the contact, email
-- and phone triggers already call whenever one of them changes.
--
-- The REST API pages a search in ID order: contact_terms_head_id_idx reads
-- a word's bucket by contact ID and stops when the page is full, where the
-- term index found every match (790 contacts for "russ") and sorted them.

-- +goose Up
ALTER TABLE contacts ADD COLUMN IF NOT EXISTS list_email text NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN IF NOT EXISTS list_phone text NOT NULL DEFAULT '';

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
-- An update of contacts made by contact_terms_of itself (depth 2) changes
-- only the list columns: its terms are already written.
CREATE OR REPLACE FUNCTION contact_terms_renamed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF pg_trigger_depth() = 1 THEN
        PERFORM contact_terms_of(ARRAY(SELECT id FROM new_rows));
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
DROP TRIGGER IF EXISTS contacts_terms_upd ON contacts;
CREATE TRIGGER contacts_terms_upd AFTER UPDATE ON contacts
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION contact_terms_renamed();

-- The backfill changes no term and no total: their triggers sit it out.
ALTER TABLE contacts DISABLE TRIGGER contacts_terms_upd;
ALTER TABLE contacts DISABLE TRIGGER contacts_totals_upd;
UPDATE contacts c SET list_email = x.email, list_phone = x.phone
FROM (SELECT c2.id,
        coalesce((SELECT e.address FROM contact_emails e WHERE e.contact_id = c2.id
            ORDER BY e.is_primary DESC, e.id LIMIT 1), '') AS email,
        coalesce((SELECT p.number FROM contact_phone_numbers p WHERE p.contact_id = c2.id
            ORDER BY p.is_texting DESC, p.is_primary DESC, p.label = 'mobile' DESC, p.id LIMIT 1), '') AS phone
    FROM contacts c2) x
WHERE c.id = x.id AND (x.email <> '' OR x.phone <> '');
ALTER TABLE contacts ENABLE TRIGGER contacts_terms_upd;
ALTER TABLE contacts ENABLE TRIGGER contacts_totals_upd;

CREATE INDEX IF NOT EXISTS contact_terms_head_id_idx ON contact_terms (firm_id, head, contact_id)
    INCLUDE (term, kind, archived) WHERE head IS NOT NULL;

-- +goose Down
DROP INDEX IF EXISTS contact_terms_head_id_idx;
DROP TRIGGER IF EXISTS contacts_terms_upd ON contacts;
CREATE TRIGGER contacts_terms_upd AFTER UPDATE ON contacts
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION contact_terms_new();
DROP FUNCTION IF EXISTS contact_terms_renamed();
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION contact_terms_of(ids bigint[]) RETURNS void LANGUAGE sql AS $$
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
$$;
-- +goose StatementEnd
ALTER TABLE contacts DROP COLUMN IF EXISTS list_phone;
ALTER TABLE contacts DROP COLUMN IF EXISTS list_email;
