-- A big firm's data: indexes and summaries so that every page and poll
-- costs the same with 500,000 texts as with 500.

-- +goose Up
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Contacts are listed by name, in code point order whatever the
-- database's locale, so that a prefix is one range of the index (see
-- store.ContactSearchSQL) and contact_terms sorts as contacts do.
ALTER TABLE contacts ADD COLUMN IF NOT EXISTS sort_name text COLLATE "C" GENERATED ALWAYS AS
    (lower(CASE WHEN kind = 'company' THEN company_name ELSE btrim(first_name || ' ' || last_name) END)) STORED;
CREATE INDEX IF NOT EXISTS contacts_sort_idx ON contacts (firm_id, sort_name, id);

-- A contact is found by the start of any word of its name, of its email
-- addresses (the whole address, its domain, the words of both) or by any
-- run of its numbers' digits ("5550123" finds +14155550123: every suffix
-- of three digits or more is a term, marked '#' so that a word typed never
-- matches a number). Each word typed is a range of one index, read without
-- touching the table: the name a search sorts by is kept in the index.
-- Trigram indexes, tried first, read posting lists that grow with the firm
-- (5 ms for one long word at 50,000 contacts against 1 ms at 5,000).
CREATE TABLE IF NOT EXISTS contact_terms (
    firm_id     bigint NOT NULL,
    contact_id  bigint NOT NULL,
    term        text COLLATE "C" NOT NULL,
    sort_name   text COLLATE "C" NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (contact_id, term),
    FOREIGN KEY (firm_id, contact_id) REFERENCES contacts (firm_id, id) ON DELETE CASCADE
);
-- A prefix is a range (term >= 'ann' AND term < 'ann' || U+10FFFF), which,
-- unlike LIKE 'ann%', a prepared statement's generic plan also reads from
-- the index.
CREATE INDEX IF NOT EXISTS contact_terms_term_idx ON contact_terms
    (firm_id, term) INCLUDE (sort_name, contact_id);

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION contact_terms_of(ids bigint[]) RETURNS void LANGUAGE sql AS $$
    DELETE FROM contact_terms WHERE contact_id = ANY (ids);
    INSERT INTO contact_terms (firm_id, contact_id, term, sort_name)
    SELECT DISTINCT c.firm_id, c.id, t.term, c.sort_name FROM contacts c JOIN (
        SELECT c.id AS contact_id, c.sort_name AS term FROM contacts c WHERE c.id = ANY (ids)
        UNION ALL
        SELECT c.id, w FROM contacts c, regexp_split_to_table(c.sort_name, '\s+') w WHERE c.id = ANY (ids)
        UNION ALL
        SELECT c.id, w FROM contacts c, regexp_split_to_table(c.sort_name, '[^[:alnum:]]+') w WHERE c.id = ANY (ids)
        UNION ALL
        SELECT e.contact_id, t FROM contact_emails e,
            LATERAL (SELECT lower(e.address) AS a) l,
            unnest(ARRAY[l.a, split_part(l.a, '@', 2)]) t WHERE e.contact_id = ANY (ids)
        UNION ALL
        SELECT e.contact_id, w FROM contact_emails e, regexp_split_to_table(lower(e.address), '[^[:alnum:]]+') w
        WHERE e.contact_id = ANY (ids)
        UNION ALL
        SELECT p.contact_id, '#' || substr(d.digits, i) FROM contact_phone_numbers p,
            LATERAL (SELECT regexp_replace(p.number, '\D', '', 'g') AS digits) d,
            generate_series(1, length(d.digits) - 2) i WHERE p.contact_id = ANY (ids)
    ) t ON t.contact_id = c.id
    WHERE c.id = ANY (ids) AND t.term <> '';
$$;
-- +goose StatementEnd

-- Every statement that changes a contact, its addresses or its numbers
-- brings its terms up to date in itself.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION contact_terms_new() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'contacts' THEN
        PERFORM contact_terms_of(ARRAY(SELECT id FROM new_rows));
    ELSE
        PERFORM contact_terms_of(ARRAY(SELECT DISTINCT contact_id FROM new_rows));
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION contact_terms_old() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM contact_terms_of(ARRAY(SELECT DISTINCT contact_id FROM old_rows));
    RETURN NULL;
END $$;
-- +goose StatementEnd
DROP TRIGGER IF EXISTS contacts_terms_ins ON contacts;
CREATE TRIGGER contacts_terms_ins AFTER INSERT ON contacts
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION contact_terms_new();
DROP TRIGGER IF EXISTS contacts_terms_upd ON contacts;
CREATE TRIGGER contacts_terms_upd AFTER UPDATE ON contacts
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION contact_terms_new();
DROP TRIGGER IF EXISTS contact_emails_terms_ins ON contact_emails;
CREATE TRIGGER contact_emails_terms_ins AFTER INSERT ON contact_emails
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION contact_terms_new();
DROP TRIGGER IF EXISTS contact_emails_terms_upd ON contact_emails;
CREATE TRIGGER contact_emails_terms_upd AFTER UPDATE ON contact_emails
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION contact_terms_new();
DROP TRIGGER IF EXISTS contact_emails_terms_del ON contact_emails;
CREATE TRIGGER contact_emails_terms_del AFTER DELETE ON contact_emails
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION contact_terms_old();
DROP TRIGGER IF EXISTS contact_phone_numbers_terms_ins ON contact_phone_numbers;
CREATE TRIGGER contact_phone_numbers_terms_ins AFTER INSERT ON contact_phone_numbers
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION contact_terms_new();
DROP TRIGGER IF EXISTS contact_phone_numbers_terms_upd ON contact_phone_numbers;
CREATE TRIGGER contact_phone_numbers_terms_upd AFTER UPDATE ON contact_phone_numbers
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION contact_terms_new();
DROP TRIGGER IF EXISTS contact_phone_numbers_terms_del ON contact_phone_numbers;
CREATE TRIGGER contact_phone_numbers_terms_del AFTER DELETE ON contact_phone_numbers
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION contact_terms_old();
SELECT contact_terms_of(ARRAY(SELECT id FROM contacts));
CREATE INDEX IF NOT EXISTS contact_emails_contact_idx ON contact_emails (firm_id, contact_id);
CREATE INDEX IF NOT EXISTS contact_phone_numbers_contact_idx ON contact_phone_numbers (firm_id, contact_id);

-- Matters are listed open first, newest activity first; a matter's related
-- contacts by matter.
CREATE INDEX IF NOT EXISTS matters_list_idx ON matters (firm_id, (status_category = 'closed'), updated_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS matter_related_contacts_matter_idx ON matter_related_contacts (firm_id, matter_id);
-- Matters are found by any part of their number and description.
CREATE INDEX IF NOT EXISTS matters_search_trgm_idx ON matters USING gin (lower(number || ' ' || description) gin_trgm_ops);
CREATE INDEX IF NOT EXISTS matters_number_idx ON matters (firm_id, (lower(number) COLLATE "C"));

-- Unread portal messages, counted per matter on every matter list.
CREATE INDEX IF NOT EXISTS portal_messages_unread_idx ON portal_messages (firm_id, matter_id) WHERE read_at IS NULL;
-- A matter's messages and documents are paged newest first.
CREATE INDEX IF NOT EXISTS portal_messages_page_idx ON portal_messages (firm_id, matter_id, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS documents_page_idx ON documents (firm_id, matter_id, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS documents_folder_page_idx ON documents (firm_id, folder_id, created_at DESC, id DESC) WHERE folder_id IS NOT NULL;

-- An event's attendees, counted on every calendar view.
CREATE INDEX IF NOT EXISTS event_attendees_event_idx ON event_attendees (event_id) WHERE removed_at IS NULL;
CREATE INDEX IF NOT EXISTS events_list_idx ON events (firm_id, starts_at, id);

-- A contact's page says when they were last invited and signed in.
CREATE INDEX IF NOT EXISTS login_tokens_contact_idx ON login_tokens (firm_id, contact_id) WHERE contact_id IS NOT NULL;

-- Texts from unknown numbers are paged newest first.
CREATE INDEX IF NOT EXISTS unknown_texts_page_idx ON unknown_texts (firm_id, created_at DESC, id DESC);

-- One row per contact's text thread: its last text and how many texts (and
-- inbound texts) it holds. Communications lists these instead of sorting
-- every text; the unread counts subtract what each user has read.
CREATE TABLE IF NOT EXISTS text_threads (
    contact_id       bigint PRIMARY KEY,
    firm_id          bigint NOT NULL,
    last_text_id     bigint NOT NULL,
    last_at          timestamptz NOT NULL,
    last_inbound_id  bigint NOT NULL DEFAULT 0,
    texts            bigint NOT NULL DEFAULT 0,
    inbound          bigint NOT NULL DEFAULT 0,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (firm_id, contact_id) REFERENCES contacts (firm_id, id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS text_threads_recent_idx ON text_threads (firm_id, last_at DESC, contact_id DESC);

-- How many inbound texts a firm has received, and how many of them each
-- user has read: the unread badge is the difference, one row each.
CREATE TABLE IF NOT EXISTS text_totals (
    firm_id     bigint PRIMARY KEY REFERENCES firms (id) ON DELETE CASCADE,
    inbound     bigint NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS text_read_totals (
    user_id  bigint PRIMARY KEY,
    firm_id  bigint NOT NULL,
    read     bigint NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (firm_id, user_id) REFERENCES users (firm_id, id) ON DELETE CASCADE
);
ALTER TABLE text_thread_reads ADD COLUMN IF NOT EXISTS read_inbound bigint NOT NULL DEFAULT 0;

-- Every statement that stores texts (one or a batch) brings the summaries
-- up to date in itself, so no path that writes a text can forget them.
-- Threads are locked in contact order, so two batches cannot deadlock.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION text_threads_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO text_threads AS t (contact_id, firm_id, last_text_id, last_at, last_inbound_id, texts, inbound)
    SELECT a.contact_id, a.firm_id, l.id, l.created_at, a.last_inbound_id, a.texts, a.inbound
    FROM (SELECT contact_id, min(firm_id) AS firm_id, coalesce(max(id) FILTER (WHERE direction = 'in'), 0) AS last_inbound_id,
            count(*) AS texts, count(*) FILTER (WHERE direction = 'in') AS inbound
        FROM new_texts GROUP BY contact_id) a
    -- The last text is the latest, whatever order a batch was numbered in.
    JOIN (SELECT DISTINCT ON (contact_id) contact_id, id, created_at FROM new_texts
        ORDER BY contact_id, created_at DESC, id DESC) l ON l.contact_id = a.contact_id
    ORDER BY a.contact_id
    ON CONFLICT (contact_id) DO UPDATE SET
        last_text_id = CASE WHEN (excluded.last_at, excluded.last_text_id) > (t.last_at, t.last_text_id)
            THEN excluded.last_text_id ELSE t.last_text_id END,
        last_at = greatest(t.last_at, excluded.last_at),
        last_inbound_id = greatest(t.last_inbound_id, excluded.last_inbound_id),
        texts = t.texts + excluded.texts,
        inbound = t.inbound + excluded.inbound,
        updated_at = now();
    INSERT INTO text_totals AS s (firm_id, inbound)
    SELECT firm_id, count(*) FROM new_texts WHERE direction = 'in' GROUP BY firm_id ORDER BY firm_id
    ON CONFLICT (firm_id) DO UPDATE SET inbound = s.inbound + excluded.inbound, updated_at = now();
    RETURN NULL;
END $$;
-- +goose StatementEnd
DROP TRIGGER IF EXISTS text_messages_threads ON text_messages;
CREATE TRIGGER text_messages_threads AFTER INSERT ON text_messages
    REFERENCING NEW TABLE AS new_texts FOR EACH STATEMENT EXECUTE FUNCTION text_threads_add();

-- The summaries of the texts already stored.
INSERT INTO text_threads (contact_id, firm_id, last_text_id, last_at, last_inbound_id, texts, inbound)
SELECT DISTINCT ON (contact_id) contact_id, firm_id, id, created_at,
    (SELECT coalesce(max(i.id), 0) FROM text_messages i WHERE i.contact_id = m.contact_id AND i.direction = 'in'),
    count(*) OVER (PARTITION BY contact_id), count(*) FILTER (WHERE direction = 'in') OVER (PARTITION BY contact_id)
FROM text_messages m ORDER BY contact_id, created_at DESC, id DESC
ON CONFLICT (contact_id) DO NOTHING;
INSERT INTO text_totals (firm_id, inbound)
SELECT firm_id, count(*) FROM text_messages WHERE direction = 'in' GROUP BY firm_id
ON CONFLICT (firm_id) DO NOTHING;
UPDATE text_thread_reads r SET read_inbound = (SELECT count(*) FROM text_messages m
    WHERE m.firm_id = r.firm_id AND m.contact_id = r.contact_id AND m.direction = 'in' AND m.id <= r.last_read_message_id);
INSERT INTO text_read_totals (user_id, firm_id, read)
SELECT user_id, min(firm_id), sum(read_inbound) FROM text_thread_reads GROUP BY user_id
ON CONFLICT (user_id) DO NOTHING;

-- The demo seed's bookkeeping for `portal seed-demo --size`: which
-- generated row is which, so growing a firm again adds only what is missing.
CREATE TABLE IF NOT EXISTS seed_rows (
    firm_id  bigint NOT NULL REFERENCES firms (id) ON DELETE CASCADE,
    kind     text NOT NULL,
    i        integer NOT NULL,
    row_id   bigint NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (firm_id, kind, i)
);

-- +goose Down
DROP TABLE IF EXISTS seed_rows;
DROP TRIGGER IF EXISTS text_messages_threads ON text_messages;
DROP FUNCTION IF EXISTS text_threads_add();
ALTER TABLE text_thread_reads DROP COLUMN IF EXISTS read_inbound;
DROP TABLE IF EXISTS text_read_totals;
DROP TABLE IF EXISTS text_totals;
DROP TABLE IF EXISTS text_threads;
DROP INDEX IF EXISTS unknown_texts_page_idx;
DROP INDEX IF EXISTS login_tokens_contact_idx;
DROP INDEX IF EXISTS events_list_idx;
DROP INDEX IF EXISTS event_attendees_event_idx;
DROP INDEX IF EXISTS documents_folder_page_idx;
DROP INDEX IF EXISTS documents_page_idx;
DROP INDEX IF EXISTS portal_messages_page_idx;
DROP INDEX IF EXISTS portal_messages_unread_idx;
DROP INDEX IF EXISTS matter_related_contacts_matter_idx;
DROP INDEX IF EXISTS matters_number_idx;
DROP INDEX IF EXISTS matters_search_trgm_idx;
DROP INDEX IF EXISTS matters_list_idx;
DROP INDEX IF EXISTS contact_phone_numbers_contact_idx;
DROP INDEX IF EXISTS contact_emails_contact_idx;
DROP TRIGGER IF EXISTS contact_phone_numbers_terms_del ON contact_phone_numbers;
DROP TRIGGER IF EXISTS contact_phone_numbers_terms_upd ON contact_phone_numbers;
DROP TRIGGER IF EXISTS contact_phone_numbers_terms_ins ON contact_phone_numbers;
DROP TRIGGER IF EXISTS contact_emails_terms_del ON contact_emails;
DROP TRIGGER IF EXISTS contact_emails_terms_upd ON contact_emails;
DROP TRIGGER IF EXISTS contact_emails_terms_ins ON contact_emails;
DROP TRIGGER IF EXISTS contacts_terms_upd ON contacts;
DROP TRIGGER IF EXISTS contacts_terms_ins ON contacts;
DROP FUNCTION IF EXISTS contact_terms_old();
DROP FUNCTION IF EXISTS contact_terms_new();
DROP FUNCTION IF EXISTS contact_terms_of(bigint[]);
DROP TABLE IF EXISTS contact_terms;
DROP INDEX IF EXISTS contacts_sort_idx;
ALTER TABLE contacts DROP COLUMN IF EXISTS sort_name;
