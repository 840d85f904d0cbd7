package texting

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/parleyhq/parley/shared/sms"
	"github.com/parleyhq/parley/shared/store/contacts"
)

// plainText is a text that causes nothing but its own row (no media, no
// keyword to act on), waiting in a textBatcher; once done is closed, the
// fields below it say what became of it.
type plainText struct {
	in   sms.Inbound
	from string // the sender, normalized
	done chan struct{}

	contactID int64 // 0: no contact of the firm has the number, nothing stored
	textID    int64 // 0: stored already (a replay), or no contact
	err       error
}

const (
	// Statements in flight at once. Two keep Postgres busy while the
	// handlers of the last batch hand their tasks back to asynq.
	maxTextWriters = 2
	// The most texts in one statement: bounds its size when a backlog
	// meets a large asynq concurrency.
	maxTextBatch = 200
	// How long a batch may take before its texts fail and are retried.
	textBatchTimeout = 30 * time.Second
)

// batcher stores the plain texts of the Receive calls running at
// the same moment with one statement: per text, one round trip to Postgres
// and one commit become a share of one. It waits for nothing: a text that
// finds a writer free is written at once, and texts that arrive while the
// writers are busy go together in the next statement, so batches grow only
// with the load. A handler still returns only after its own text is
// committed (or has failed, and its task is retried). The zero value is
// ready; a writer goroutine lives only while texts are queued.
type batcher struct {
	mu      sync.Mutex
	queued  []*plainText
	writers int
}

// store queues t for write and waits until t is done or ctx ends.
func (b *batcher) store(ctx context.Context, t *plainText, write func([]*plainText)) error {
	b.mu.Lock()
	b.queued = append(b.queued, t)
	start := b.writers < maxTextWriters
	if start {
		b.writers++
	}
	b.mu.Unlock()
	if start {
		go b.drain(write)
	}
	select {
	case <-t.done:
		return t.err
	case <-ctx.Done():
		// The batch may still commit the text; the retry then finds it stored.
		return ctx.Err()
	}
}

// drain writes queued texts, a batch at a time, until none are left.
func (b *batcher) drain(write func([]*plainText)) {
	for {
		b.mu.Lock()
		n := min(len(b.queued), maxTextBatch)
		if n == 0 {
			b.writers--
			b.mu.Unlock()
			return
		}
		batch := b.queued[:n:n]
		b.queued = b.queued[n:]
		if len(b.queued) == 0 {
			b.queued = nil // the next append starts a new array, not after batch
		}
		b.mu.Unlock()
		write(batch)
	}
}

// writePlainTexts stores a batch, tells each caller what became of its
// text, then tells Stored which threads got a new text.
func (s *Store) writePlainTexts(batch []*plainText) {
	ctx, cancel := context.WithTimeout(context.Background(), textBatchTimeout)
	defer cancel()
	if err := insertPlainTexts(ctx, s.DB.ConnPool, batch); err != nil {
		if len(batch) == 1 {
			batch[0].err = err
		} else {
			// One text the table refuses must not fail the others with
			// it: alone, each succeeds or fails (and retries) by itself.
			for _, t := range batch {
				t.err = insertPlainTexts(ctx, s.DB.ConnPool, []*plainText{t})
			}
		}
	}
	changed := make([][2]int64, 0, 1)
	for _, t := range batch {
		if t.err == nil && t.textID != 0 {
			c := [2]int64{t.in.FirmID, t.contactID}
			if !slices.Contains(changed, c) {
				changed = append(changed, c)
			}
		}
		close(t.done)
	}
	// After the callers are released: the texts are stored.
	if len(changed) > 0 && s.Stored != nil {
		s.Stored(ctx, changed)
	}
}

// insertPlainTextsSQL finds each text's contact (as contacts.ByNumber does)
// and inserts the texts that have one, in arrival order. A text stored
// before, or twice in the batch, is inserted once: ON CONFLICT DO NOTHING
// returns no row for it.
var insertPlainTextsSQL = `WITH texts AS (
	SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
		WITH ORDINALITY AS t (firm_id, contact_number, dialect, carrier_message_id, firm_number, body, n)
), found AS (
	SELECT t.*, c.contact_id FROM texts t
	` + contacts.ByNumberLateral + `
), stored AS (
	INSERT INTO text_messages
		(firm_id, contact_id, direction, dialect, carrier_message_id, firm_number, contact_number, body, status)
	SELECT firm_id, contact_id, 'in', dialect, carrier_message_id, firm_number, contact_number, body, 'received'
	FROM found ORDER BY n
	ON CONFLICT (dialect, carrier_message_id) WHERE carrier_message_id IS NOT NULL DO NOTHING
	RETURNING id, dialect, carrier_message_id
)
SELECT f.n, f.contact_id, coalesce(s.id, 0) FROM found f
LEFT JOIN stored s ON s.dialect = f.dialect AND s.carrier_message_id = f.carrier_message_id`

// insertPlainTexts stores the batch with one autocommitted statement and
// sets each text's contactID and textID. It goes to the pool itself, not
// through gorm's Raw, which costs a regexp match per call.
func insertPlainTexts(ctx context.Context, db gorm.ConnPool, batch []*plainText) error {
	firmIDs := make([]int64, len(batch))
	cols := make([][]string, 5) // contact number, dialect, carrier ID, firm number, body
	for i := range cols {
		cols[i] = make([]string, len(batch))
	}
	for i, t := range batch {
		t.contactID, t.textID = 0, 0 // a retry alone after a failed batch starts afresh
		firmIDs[i] = t.in.FirmID
		cols[0][i], cols[1][i], cols[2][i], cols[3][i], cols[4][i] = t.from, string(t.in.Dialect), t.in.MessageID, t.in.To, t.in.Body
	}
	rows, err := db.QueryContext(ctx, insertPlainTextsSQL, firmIDs, cols[0], cols[1], cols[2], cols[3], cols[4])
	if err != nil {
		return fmt.Errorf("store texts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var n, contactID, textID int64
		if err := rows.Scan(&n, &contactID, &textID); err != nil {
			return fmt.Errorf("store texts: %w", err)
		}
		if n < 1 || n > int64(len(batch)) {
			return fmt.Errorf("store texts: row %d of a batch of %d", n, len(batch))
		}
		batch[n-1].contactID, batch[n-1].textID = contactID, textID
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store texts: %w", err)
	}
	return nil
}
