-- The core domain: firms, their users, contacts, matters, documents and notes.
-- Every table carries firm_id so each query can be scoped to one firm, and
-- composite foreign keys (firm_id, id) make a cross-firm reference impossible.

-- +goose Up
CREATE TABLE IF NOT EXISTS firms (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug        text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    time_zone   text NOT NULL DEFAULT 'America/New_York',
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS users (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    firm_id     bigint NOT NULL REFERENCES firms (id) ON DELETE CASCADE,
    email       text NOT NULL CHECK (email = lower(email) AND email LIKE '%_@_%'),
    first_name  text NOT NULL DEFAULT '',
    last_name   text NOT NULL DEFAULT '',
    role        text NOT NULL DEFAULT 'member' CHECK (role IN ('admin', 'member')),
    active      boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (firm_id, id),
    UNIQUE (firm_id, email)
);
CREATE INDEX IF NOT EXISTS users_email_idx ON users (email);

CREATE TABLE IF NOT EXISTS contacts (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    firm_id       bigint NOT NULL REFERENCES firms (id) ON DELETE CASCADE,
    kind          text NOT NULL DEFAULT 'person' CHECK (kind IN ('person', 'company')),
    first_name    text NOT NULL DEFAULT '',
    last_name     text NOT NULL DEFAULT '',
    company_name  text NOT NULL DEFAULT '',
    status        text NOT NULL DEFAULT 'active',
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (firm_id, id),
    CHECK (kind = 'company' AND company_name <> '' OR kind = 'person' AND (first_name <> '' OR last_name <> ''))
);
-- The API lists contacts by updated_since / created_since within a firm.
CREATE INDEX IF NOT EXISTS contacts_firm_updated_idx ON contacts (firm_id, updated_at, id);
CREATE INDEX IF NOT EXISTS contacts_firm_created_idx ON contacts (firm_id, created_at, id);

CREATE TABLE IF NOT EXISTS contact_emails (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    firm_id     bigint NOT NULL,
    contact_id  bigint NOT NULL,
    address     text NOT NULL CHECK (address = lower(address) AND address LIKE '%_@_%'),
    label       text NOT NULL DEFAULT 'work',
    is_primary  boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (firm_id, contact_id) REFERENCES contacts (firm_id, id) ON DELETE CASCADE,
    UNIQUE (contact_id, address)
);
-- Login by email looks a client up by address across the firm.
CREATE INDEX IF NOT EXISTS contact_emails_address_idx ON contact_emails (address);
CREATE UNIQUE INDEX IF NOT EXISTS contact_emails_one_primary ON contact_emails (contact_id) WHERE is_primary;

CREATE TABLE IF NOT EXISTS contact_phone_numbers (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    firm_id     bigint NOT NULL,
    contact_id  bigint NOT NULL,
    number      text NOT NULL CHECK (number ~ '^\+[1-9][0-9]{6,14}$'), -- E.164
    label       text NOT NULL DEFAULT 'mobile',
    is_texting  boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (firm_id, contact_id) REFERENCES contacts (firm_id, id) ON DELETE CASCADE,
    UNIQUE (contact_id, number)
);
-- An inbound text is matched to a contact by (firm, number).
CREATE INDEX IF NOT EXISTS contact_phone_numbers_firm_number_idx ON contact_phone_numbers (firm_id, number);
CREATE UNIQUE INDEX IF NOT EXISTS contact_phone_numbers_one_texting ON contact_phone_numbers (contact_id) WHERE is_texting;

CREATE TABLE IF NOT EXISTS contact_addresses (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    firm_id      bigint NOT NULL,
    contact_id   bigint NOT NULL,
    label        text NOT NULL DEFAULT 'home',
    street       text NOT NULL DEFAULT '',
    city         text NOT NULL DEFAULT '',
    province     text NOT NULL DEFAULT '',
    postal_code  text NOT NULL DEFAULT '',
    country      text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (firm_id, contact_id) REFERENCES contacts (firm_id, id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS contact_addresses_contact_idx ON contact_addresses (contact_id);

CREATE TABLE IF NOT EXISTS matters (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    firm_id             bigint NOT NULL REFERENCES firms (id) ON DELETE CASCADE,
    number              text NOT NULL,
    description         text NOT NULL CHECK (length(description) BETWEEN 1 AND 500),
    practice_area       text NOT NULL DEFAULT '',
    -- status is the firm's own stage name; status_category is what the system reasons with.
    status              text NOT NULL DEFAULT 'Open',
    status_category     text NOT NULL DEFAULT 'open' CHECK (status_category IN ('open', 'pending', 'closed')),
    client_contact_id   bigint NOT NULL,
    primary_contact_id  bigint,
    responsible_user_id bigint,
    permission          text NOT NULL DEFAULT 'everyone' CHECK (permission IN ('everyone', 'users')),
    client_status       text NOT NULL DEFAULT '',
    next_steps          text NOT NULL DEFAULT '',
    opened_at           date,
    closed_at           date,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (firm_id, id),
    UNIQUE (firm_id, number),
    FOREIGN KEY (firm_id, client_contact_id) REFERENCES contacts (firm_id, id),
    FOREIGN KEY (firm_id, primary_contact_id) REFERENCES contacts (firm_id, id),
    FOREIGN KEY (firm_id, responsible_user_id) REFERENCES users (firm_id, id)
);
CREATE INDEX IF NOT EXISTS matters_client_idx ON matters (firm_id, client_contact_id);
CREATE INDEX IF NOT EXISTS matters_firm_updated_idx ON matters (firm_id, updated_at, id);

CREATE TABLE IF NOT EXISTS matter_related_contacts (
    firm_id       bigint NOT NULL,
    matter_id     bigint NOT NULL,
    contact_id    bigint NOT NULL,
    relationship  text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (matter_id, contact_id),
    FOREIGN KEY (firm_id, matter_id) REFERENCES matters (firm_id, id) ON DELETE CASCADE,
    FOREIGN KEY (firm_id, contact_id) REFERENCES contacts (firm_id, id) ON DELETE CASCADE
);
-- "Which matters is this contact related to" drives where texts show.
CREATE INDEX IF NOT EXISTS matter_related_contacts_contact_idx ON matter_related_contacts (firm_id, contact_id);

-- When a matter's permission is 'users', only these users (and admins) may view it.
CREATE TABLE IF NOT EXISTS matter_permitted_users (
    firm_id     bigint NOT NULL,
    matter_id   bigint NOT NULL,
    user_id     bigint NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (matter_id, user_id),
    FOREIGN KEY (firm_id, matter_id) REFERENCES matters (firm_id, id) ON DELETE CASCADE,
    FOREIGN KEY (firm_id, user_id) REFERENCES users (firm_id, id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS matter_permitted_users_user_idx ON matter_permitted_users (firm_id, user_id);

-- Folders and documents belong to a matter, or to a contact that has no matter.
CREATE TABLE IF NOT EXISTS folders (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    firm_id             bigint NOT NULL,
    matter_id           bigint,
    contact_id          bigint,
    parent_id           bigint,
    name                text NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
    shared_with_client  boolean NOT NULL DEFAULT false,
    created_by_user_id  bigint,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (firm_id, id),
    CHECK ((matter_id IS NULL) <> (contact_id IS NULL)),
    FOREIGN KEY (firm_id, matter_id) REFERENCES matters (firm_id, id) ON DELETE CASCADE,
    FOREIGN KEY (firm_id, contact_id) REFERENCES contacts (firm_id, id) ON DELETE CASCADE,
    FOREIGN KEY (firm_id, parent_id) REFERENCES folders (firm_id, id) ON DELETE CASCADE,
    FOREIGN KEY (firm_id, created_by_user_id) REFERENCES users (firm_id, id)
);
CREATE INDEX IF NOT EXISTS folders_matter_idx ON folders (firm_id, matter_id);
CREATE INDEX IF NOT EXISTS folders_contact_idx ON folders (firm_id, contact_id);
-- One folder of a given name per place, so "Text messages" can be found or created safely.
CREATE UNIQUE INDEX IF NOT EXISTS folders_unique_name ON folders
    (firm_id, coalesce(matter_id, 0), coalesce(contact_id, 0), coalesce(parent_id, 0), lower(name));

CREATE TABLE IF NOT EXISTS documents (
    id                       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    firm_id                  bigint NOT NULL,
    matter_id                bigint,
    contact_id               bigint,
    folder_id                bigint,
    name                     text NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
    size_bytes               bigint NOT NULL CHECK (size_bytes >= 0),
    sha256                   text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    mime_type                text NOT NULL,
    storage_key              text NOT NULL,
    uploaded_by_user_id      bigint,
    uploaded_by_contact_id   bigint,
    shared_with_client       boolean NOT NULL DEFAULT false,
    created_at               timestamptz NOT NULL DEFAULT now(),
    updated_at               timestamptz NOT NULL DEFAULT now(),
    UNIQUE (firm_id, id),
    CHECK ((matter_id IS NULL) <> (contact_id IS NULL)),
    FOREIGN KEY (firm_id, matter_id) REFERENCES matters (firm_id, id) ON DELETE CASCADE,
    FOREIGN KEY (firm_id, contact_id) REFERENCES contacts (firm_id, id) ON DELETE CASCADE,
    FOREIGN KEY (firm_id, folder_id) REFERENCES folders (firm_id, id) ON DELETE SET NULL (folder_id),
    FOREIGN KEY (firm_id, uploaded_by_user_id) REFERENCES users (firm_id, id),
    FOREIGN KEY (firm_id, uploaded_by_contact_id) REFERENCES contacts (firm_id, id)
);
CREATE INDEX IF NOT EXISTS documents_matter_idx ON documents (firm_id, matter_id, created_at);
CREATE INDEX IF NOT EXISTS documents_contact_idx ON documents (firm_id, contact_id, created_at);
CREATE INDEX IF NOT EXISTS documents_folder_idx ON documents (firm_id, folder_id);

CREATE TABLE IF NOT EXISTS notes (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    firm_id         bigint NOT NULL,
    matter_id       bigint,
    contact_id      bigint,
    author_user_id  bigint,
    subject         text NOT NULL DEFAULT '',
    body            text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (firm_id, id),
    CHECK ((matter_id IS NULL) <> (contact_id IS NULL)),
    FOREIGN KEY (firm_id, matter_id) REFERENCES matters (firm_id, id) ON DELETE CASCADE,
    FOREIGN KEY (firm_id, contact_id) REFERENCES contacts (firm_id, id) ON DELETE CASCADE,
    FOREIGN KEY (firm_id, author_user_id) REFERENCES users (firm_id, id)
);
CREATE INDEX IF NOT EXISTS notes_matter_idx ON notes (firm_id, matter_id, created_at);
CREATE INDEX IF NOT EXISTS notes_contact_idx ON notes (firm_id, contact_id, created_at);

-- Every email Parley sends is a row before it is a task, so a lost task or a
-- crash between send and commit never loses or doubles a message silently.
CREATE TABLE IF NOT EXISTS outbound_emails (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    firm_id      bigint NOT NULL REFERENCES firms (id) ON DELETE CASCADE,
    to_address   text NOT NULL CHECK (to_address LIKE '%_@_%'),
    subject      text NOT NULL,
    body_text    text NOT NULL,
    kind         text NOT NULL DEFAULT 'notice',
    status       text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed')),
    attempts     integer NOT NULL DEFAULT 0,
    last_error   text NOT NULL DEFAULT '',
    sent_at      timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (firm_id, id)
);
CREATE INDEX IF NOT EXISTS outbound_emails_queued_idx ON outbound_emails (created_at) WHERE status = 'queued';

-- +goose Down
DROP TABLE IF EXISTS outbound_emails;
DROP TABLE IF EXISTS notes;
DROP TABLE IF EXISTS documents;
DROP TABLE IF EXISTS folders;
DROP TABLE IF EXISTS matter_permitted_users;
DROP TABLE IF EXISTS matter_related_contacts;
DROP TABLE IF EXISTS matters;
DROP TABLE IF EXISTS contact_addresses;
DROP TABLE IF EXISTS contact_phone_numbers;
DROP TABLE IF EXISTS contact_emails;
DROP TABLE IF EXISTS contacts;
DROP TABLE IF EXISTS users;
DROP TABLE IF EXISTS firms;
