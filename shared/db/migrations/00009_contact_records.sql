-- The firm keeps its own contacts: full names, who changed them, archived
-- contacts, relationships between contacts, and counts for the list.

-- +goose Up
ALTER TABLE contacts ADD COLUMN IF NOT EXISTS middle_name        text NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN IF NOT EXISTS title              text NOT NULL DEFAULT '';
-- An archived contact is hidden from lists, searches and pickers and kept
-- everywhere it appears (a contact with matters, texts, documents or
-- events cannot be deleted).
ALTER TABLE contacts ADD COLUMN IF NOT EXISTS archived_at        timestamptz;
ALTER TABLE contacts ADD COLUMN IF NOT EXISTS created_by_user_id bigint;
ALTER TABLE contacts ADD COLUMN IF NOT EXISTS updated_by_user_id bigint;
ALTER TABLE contacts DROP CONSTRAINT IF EXISTS contacts_created_by_fk;
ALTER TABLE contacts ADD CONSTRAINT contacts_created_by_fk FOREIGN KEY (firm_id, created_by_user_id) REFERENCES users (firm_id, id);
ALTER TABLE contacts DROP CONSTRAINT IF EXISTS contacts_updated_by_fk;
ALTER TABLE contacts ADD CONSTRAINT contacts_updated_by_fk FOREIGN KEY (firm_id, updated_by_user_id) REFERENCES users (firm_id, id);
-- The list filtered to people or to companies.
CREATE INDEX IF NOT EXISTS contacts_kind_sort_idx ON contacts (firm_id, kind, sort_name, id);

-- What keeps a contact from being deleted, each looked up by an index.
CREATE INDEX IF NOT EXISTS matters_primary_contact_idx ON matters (firm_id, primary_contact_id) WHERE primary_contact_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS documents_uploaded_by_contact_idx ON documents (firm_id, uploaded_by_contact_id) WHERE uploaded_by_contact_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS portal_messages_author_contact_idx ON portal_messages (firm_id, author_contact_id) WHERE author_contact_id IS NOT NULL;

-- One phone number of a contact is the primary one, as one email is.
ALTER TABLE contact_phone_numbers ADD COLUMN IF NOT EXISTS is_primary boolean NOT NULL DEFAULT false;
CREATE UNIQUE INDEX IF NOT EXISTS contact_phone_numbers_one_primary ON contact_phone_numbers (contact_id) WHERE is_primary;

-- A relationship between two contacts ("spouse", "employer"), stored once
-- and shown on both contacts' pages.
CREATE TABLE IF NOT EXISTS contact_relationships (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    firm_id             bigint NOT NULL,
    contact_id          bigint NOT NULL,
    related_contact_id  bigint NOT NULL,
    label               text NOT NULL CHECK (length(label) BETWEEN 1 AND 100),
    created_by_user_id  bigint,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CHECK (contact_id <> related_contact_id),
    FOREIGN KEY (firm_id, contact_id) REFERENCES contacts (firm_id, id) ON DELETE CASCADE,
    FOREIGN KEY (firm_id, related_contact_id) REFERENCES contacts (firm_id, id) ON DELETE CASCADE,
    FOREIGN KEY (firm_id, created_by_user_id) REFERENCES users (firm_id, id)
);
CREATE UNIQUE INDEX IF NOT EXISTS contact_relationships_pair ON contact_relationships
    (firm_id, least(contact_id, related_contact_id), greatest(contact_id, related_contact_id));
CREATE INDEX IF NOT EXISTS contact_relationships_contact_idx ON contact_relationships (firm_id, contact_id);
CREATE INDEX IF NOT EXISTS contact_relationships_related_idx ON contact_relationships (firm_id, related_contact_id);

-- Contact searches find only contacts in use, and filter people from
-- companies in the index (the page is cut there): terms carry the kind and
-- whether the contact is archived (a matter search still finds an archived
-- client). Middle names are words of the name too.
ALTER TABLE contact_terms ADD COLUMN IF NOT EXISTS kind text NOT NULL DEFAULT 'person';
ALTER TABLE contact_terms ADD COLUMN IF NOT EXISTS archived boolean NOT NULL DEFAULT false;
DROP INDEX IF EXISTS contact_terms_term_idx;
CREATE INDEX IF NOT EXISTS contact_terms_term_idx ON contact_terms
    (firm_id, term) INCLUDE (sort_name, contact_id, kind, archived);

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION contact_terms_gone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM contact_terms t USING old_rows o WHERE t.contact_id = o.id;
    RETURN NULL;
END $$;
-- +goose StatementEnd
-- Terms are the contacts' own derived rows: the triggers keep them, and
-- a contact's delete removes them (contact_terms_old). A foreign key would
-- check each of a batch's hundred thousand terms one by one.
ALTER TABLE contact_terms DROP CONSTRAINT IF EXISTS contact_terms_firm_id_contact_id_fkey;
DROP TRIGGER IF EXISTS contacts_terms_del ON contacts;
CREATE TRIGGER contacts_terms_del AFTER DELETE ON contacts
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION contact_terms_gone();

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
$$;
-- +goose StatementEnd
SELECT contact_terms_of(ARRAY(SELECT id FROM contacts));

-- How many contacts in use a firm has, of each kind: the list's count
-- without counting 100,000 rows.
CREATE TABLE IF NOT EXISTS contact_totals (
    firm_id     bigint NOT NULL REFERENCES firms (id) ON DELETE CASCADE,
    kind        text NOT NULL,
    n           bigint NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (firm_id, kind)
);
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION contact_totals_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO contact_totals AS t (firm_id, kind, n)
    SELECT firm_id, kind, count(*) FROM new_rows WHERE archived_at IS NULL GROUP BY firm_id, kind ORDER BY firm_id, kind
    ON CONFLICT (firm_id, kind) DO UPDATE SET n = t.n + excluded.n, updated_at = now();
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION contact_totals_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE contact_totals t SET n = t.n - d.n, updated_at = now()
    FROM (SELECT firm_id, kind, count(*) AS n FROM old_rows WHERE archived_at IS NULL GROUP BY firm_id, kind) d
    WHERE t.firm_id = d.firm_id AND t.kind = d.kind;
    RETURN NULL;
END $$;
-- +goose StatementEnd
DROP TRIGGER IF EXISTS contacts_totals_ins ON contacts;
CREATE TRIGGER contacts_totals_ins AFTER INSERT ON contacts
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION contact_totals_insert();
DROP TRIGGER IF EXISTS contacts_totals_del ON contacts;
CREATE TRIGGER contacts_totals_del AFTER DELETE ON contacts
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION contact_totals_delete();
-- An update (archive, restore, a new kind) is a delete of the old rows and
-- an insert of the new ones.
DROP TRIGGER IF EXISTS contacts_totals_upd_old ON contacts;
CREATE TRIGGER contacts_totals_upd_old AFTER UPDATE ON contacts
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION contact_totals_delete();
DROP TRIGGER IF EXISTS contacts_totals_upd_new ON contacts;
CREATE TRIGGER contacts_totals_upd_new AFTER UPDATE ON contacts
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION contact_totals_insert();
INSERT INTO contact_totals (firm_id, kind, n)
SELECT firm_id, kind, count(*) FROM contacts WHERE archived_at IS NULL GROUP BY firm_id, kind
ON CONFLICT (firm_id, kind) DO UPDATE SET n = excluded.n;

-- +goose Down
DROP TRIGGER IF EXISTS contacts_totals_upd_new ON contacts;
DROP TRIGGER IF EXISTS contacts_totals_upd_old ON contacts;
DROP TRIGGER IF EXISTS contacts_terms_del ON contacts;
DROP FUNCTION IF EXISTS contact_terms_gone();
DELETE FROM contact_terms t WHERE NOT EXISTS (SELECT 1 FROM contacts c WHERE c.id = t.contact_id);
ALTER TABLE contact_terms ADD FOREIGN KEY (firm_id, contact_id) REFERENCES contacts (firm_id, id) ON DELETE CASCADE;
DROP TRIGGER IF EXISTS contacts_totals_del ON contacts;
DROP TRIGGER IF EXISTS contacts_totals_ins ON contacts;
DROP FUNCTION IF EXISTS contact_totals_delete();
DROP FUNCTION IF EXISTS contact_totals_insert();
DROP TABLE IF EXISTS contact_totals;
ALTER TABLE contact_terms DROP COLUMN IF EXISTS archived;
ALTER TABLE contact_terms DROP COLUMN IF EXISTS kind;
DROP TABLE IF EXISTS contact_relationships;
DROP INDEX IF EXISTS contact_phone_numbers_one_primary;
ALTER TABLE contact_phone_numbers DROP COLUMN IF EXISTS is_primary;
DROP INDEX IF EXISTS portal_messages_author_contact_idx;
DROP INDEX IF EXISTS documents_uploaded_by_contact_idx;
DROP INDEX IF EXISTS matters_primary_contact_idx;
DROP INDEX IF EXISTS contacts_kind_sort_idx;
ALTER TABLE contacts DROP CONSTRAINT IF EXISTS contacts_updated_by_fk;
ALTER TABLE contacts DROP CONSTRAINT IF EXISTS contacts_created_by_fk;
ALTER TABLE contacts DROP COLUMN IF EXISTS updated_by_user_id;
ALTER TABLE contacts DROP COLUMN IF EXISTS created_by_user_id;
ALTER TABLE contacts DROP COLUMN IF EXISTS archived_at;
ALTER TABLE contacts DROP COLUMN IF EXISTS title;
ALTER TABLE contacts DROP COLUMN IF EXISTS middle_name;
