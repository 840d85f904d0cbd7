-- "My matters" reads each attorney column in the list's order, a page at a
-- time: a user responsible for 10,000 matters costs what one with ten does
-- (the plain column indexes made Postgres gather all 10,000 first).

-- +goose Up
CREATE INDEX IF NOT EXISTS matters_responsible_list ON matters
    (firm_id, responsible_user_id, (status_category = 'closed'), updated_at DESC, id DESC) WHERE responsible_user_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS matters_originating_list ON matters
    (firm_id, originating_user_id, (status_category = 'closed'), updated_at DESC, id DESC) WHERE originating_user_id IS NOT NULL;
DROP INDEX IF EXISTS matters_responsible_idx;
DROP INDEX IF EXISTS matters_originating_idx;

-- +goose Down
CREATE INDEX IF NOT EXISTS matters_originating_idx ON matters (firm_id, originating_user_id) WHERE originating_user_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS matters_responsible_idx ON matters (firm_id, responsible_user_id) WHERE responsible_user_id IS NOT NULL;
DROP INDEX IF EXISTS matters_originating_list;
DROP INDEX IF EXISTS matters_responsible_list;
