-- A matter search finds matters by their client's name: it read every
-- contact whose name the word starts (790 for "russ" in a firm of 100,000)
-- and looked each up among the matters' clients, though four in five are
-- on no matter. A contact's terms now say whether it is on some matter
-- (on_matter: its matter_ids, 00026, are not empty), and a partial index
-- holds the terms of those only.
--
-- contact_matters_of sets the flag on the terms of the contacts whose
-- matter_ids become empty or not; contact_terms_of writes it with the
-- terms, and now locks its contacts first, as contact_matters_of does: a
-- contact's terms rewritten while it gets its first matter are written
-- after, and with, the new matter_ids.

-- +goose Up
ALTER TABLE contact_terms ADD COLUMN IF NOT EXISTS on_matter boolean NOT NULL DEFAULT false;
UPDATE contact_terms t SET on_matter = true FROM contacts c WHERE c.id = t.contact_id AND c.matter_ids <> '{}';
CREATE INDEX IF NOT EXISTS contact_terms_on_matter_idx ON contact_terms (firm_id, term) INCLUDE (contact_id, sort_name)
    WHERE on_matter;

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION contact_terms_of(ids bigint[]) RETURNS void LANGUAGE sql AS $$
    -- The batch is joined, never tested with = ANY (ids): over a table
    -- filled in the same transaction (stale statistics) the planner
    -- scanned it and compared every row with every ID, quadratic in the
    -- batch. One pass over the contacts, each one's emails and numbers
    -- read by their contact index.
    SELECT 1 FROM unnest(ids) AS u(id) JOIN contacts c ON c.id = u.id ORDER BY c.id FOR NO KEY UPDATE OF c;
    DELETE FROM contact_terms t USING unnest(ids) AS u(id) WHERE t.contact_id = u.id;
    INSERT INTO contact_terms (firm_id, contact_id, term, sort_name, kind, archived, on_matter)
    SELECT DISTINCT c.firm_id, c.id, t.term, c.sort_name, c.kind, c.archived_at IS NOT NULL, c.matter_ids <> '{}'
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
CREATE OR REPLACE FUNCTION contact_matters_of(ids bigint[]) RETURNS void LANGUAGE sql AS $$
    SELECT 1 FROM unnest(ids) AS u(id) JOIN contacts c ON c.id = u.id ORDER BY c.id FOR NO KEY UPDATE OF c;
    WITH u AS (SELECT DISTINCT c.id, c.firm_id FROM unnest(ids) AS x(id) JOIN contacts c ON c.id = x.id),
    links AS (SELECT m.client_contact_id AS contact_id, m.id AS matter_id
            FROM u JOIN matters m ON m.firm_id = u.firm_id AND m.client_contact_id = u.id
        UNION SELECT r.contact_id, r.matter_id
            FROM u JOIN matter_related_contacts r ON r.firm_id = u.firm_id AND r.contact_id = u.id),
    l AS (SELECT u.id, coalesce(array_agg(links.matter_id ORDER BY links.matter_id)
            FILTER (WHERE links.matter_id IS NOT NULL), '{}') AS matter_ids
        FROM u LEFT JOIN links ON links.contact_id = u.id GROUP BY u.id),
    changed AS (UPDATE contacts c SET matter_ids = l.matter_ids
        FROM l WHERE c.id = l.id AND c.matter_ids IS DISTINCT FROM l.matter_ids
        RETURNING c.id, c.matter_ids <> '{}' AS on_matter)
    UPDATE contact_terms t SET on_matter = changed.on_matter
    FROM changed WHERE t.contact_id = changed.id AND t.on_matter <> changed.on_matter;
$$;
-- +goose StatementEnd

-- +goose Down
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
    SELECT contact_lists_of(ids);
$$;
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
-- +goose StatementEnd
DROP INDEX IF EXISTS contact_terms_on_matter_idx;
ALTER TABLE contact_terms DROP COLUMN IF EXISTS on_matter;
