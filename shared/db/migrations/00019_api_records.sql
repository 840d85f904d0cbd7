-- What the REST API answers about contacts and matters beyond what the
-- staff pages kept: a global ID fixed at creation, the Clio ID of a record
-- brought over from Clio, and the matter's intake figures.

-- +goose Up
-- +goose StatementBegin
-- parley_ulid is a ULID (https://github.com/ulid/spec): 48 bits of
-- milliseconds and 80 random bits in Crockford's base 32. It is a column
-- default so that every insert path (stores, imports, the demo seed's bulk
-- loads) gets one without naming it. The random bits are bytes 0-4 and 11-15
-- of a version 4 UUID, the bytes that hold no version or variant bits.
CREATE OR REPLACE FUNCTION parley_ulid() RETURNS text LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    alphabet constant text := '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
    ms bigint := floor(extract(epoch FROM clock_timestamp()) * 1000);
    u bytea := uuid_send(gen_random_uuid());
    hi bigint := 0;
    lo bigint := 0;
    out text := '';
    i int;
BEGIN
    FOR i IN 0..4 LOOP
        hi := (hi << 8) | get_byte(u, i);
        lo := (lo << 8) | get_byte(u, 11 + i);
    END LOOP;
    FOR i IN 0..9 LOOP
        out := out || substr(alphabet, ((ms >> (45 - 5 * i)) & 31)::int + 1, 1);
    END LOOP;
    FOR i IN 0..7 LOOP
        out := out || substr(alphabet, ((hi >> (35 - 5 * i)) & 31)::int + 1, 1);
    END LOOP;
    FOR i IN 0..7 LOOP
        out := out || substr(alphabet, ((lo >> (35 - 5 * i)) & 31)::int + 1, 1);
    END LOOP;
    RETURN out;
END
$$;
-- +goose StatementEnd

-- A volatile default fills the rows already there as the table is
-- rewritten, without firing the contacts' update triggers; their ULIDs carry
-- the time of this migration rather than of their creation.
ALTER TABLE contacts
    ADD COLUMN IF NOT EXISTS global_id text NOT NULL DEFAULT parley_ulid(),
    ADD COLUMN IF NOT EXISTS clio_id bigint;
ALTER TABLE matters
    ADD COLUMN IF NOT EXISTS global_id text NOT NULL DEFAULT parley_ulid(),
    ADD COLUMN IF NOT EXISTS clio_id bigint,
    ADD COLUMN IF NOT EXISTS projected_value numeric(14, 2) CHECK (projected_value >= 0),
    ADD COLUMN IF NOT EXISTS hired_date date,
    ADD COLUMN IF NOT EXISTS first_letter_sent_at timestamptz;
CREATE UNIQUE INDEX IF NOT EXISTS contacts_global_id_idx ON contacts (global_id);
CREATE UNIQUE INDEX IF NOT EXISTS matters_global_id_idx ON matters (global_id);

-- The API pages a record's notes by ID.
CREATE INDEX IF NOT EXISTS notes_matter_id_idx ON notes (firm_id, matter_id, id) WHERE matter_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS notes_contact_id_idx ON notes (firm_id, contact_id, id) WHERE contact_id IS NOT NULL;

-- +goose Down
DROP INDEX IF EXISTS notes_contact_id_idx;
DROP INDEX IF EXISTS notes_matter_id_idx;
ALTER TABLE matters DROP COLUMN IF EXISTS first_letter_sent_at, DROP COLUMN IF EXISTS hired_date,
    DROP COLUMN IF EXISTS projected_value, DROP COLUMN IF EXISTS clio_id, DROP COLUMN IF EXISTS global_id;
ALTER TABLE contacts DROP COLUMN IF EXISTS clio_id, DROP COLUMN IF EXISTS global_id;
DROP FUNCTION IF EXISTS parley_ulid();
