-- A contact search of one word lists its page from an index in name
-- order: terms are bucketed by their first three characters (head), and a
-- bucket's index is read by name, keeping the terms the word starts,
-- until the page is full. A term range read all its matches and sorted
-- them, which grows with the firm (478 contacts for "chen" at 100,000).
-- Numbers ('#' terms) keep the term index: they are found, not listed by
-- name.

-- +goose Up
ALTER TABLE contact_terms ADD COLUMN IF NOT EXISTS head text COLLATE "C"
    GENERATED ALWAYS AS (CASE WHEN term LIKE '#%' THEN NULL ELSE left(term, 3) END) STORED;
CREATE INDEX IF NOT EXISTS contact_terms_head_idx ON contact_terms (firm_id, head, sort_name, contact_id)
    INCLUDE (term, kind, archived) WHERE head IS NOT NULL;

-- +goose Down
DROP INDEX IF EXISTS contact_terms_head_idx;
ALTER TABLE contact_terms DROP COLUMN IF EXISTS head;
