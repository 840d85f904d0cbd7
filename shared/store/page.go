package store

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"
)

// rows is a result as database/sql and pgx both give it, so one scan
// function reads a list queried alone or in a batch.
type rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// collect scans each row straight into the slice, so a row costs no
// allocation of its own.
func collect[T any](r rows, scan func(rows, *T) error) ([]T, error) {
	var out []T
	for r.Next() {
		var zero T
		out = append(out, zero)
		if err := scan(r, &out[len(out)-1]); err != nil {
			return nil, err
		}
	}
	return out, r.Err()
}

// queryAll runs q with its named (@name) arguments and scans every row.
// Named columns and a direct scan: gorm's reflective scan of a busy page's
// rows was most of their cost.
func queryAll[T any](ctx context.Context, gdb *gorm.DB, q string, args map[string]any, scan func(rows, *T) error) ([]T, error) {
	r, err := gdb.WithContext(ctx).Raw(q, args).Rows()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return collect(r, scan)
}

// batchAll scans every row of the batch's next result.
func batchAll[T any](br pgx.BatchResults, scan func(rows, *T) error) ([]T, error) {
	r, err := br.Query()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return collect(r, scan)
}

// MatterPage is what a matter's page shows.
type MatterPage struct {
	Matter    MatterRow
	Documents []DocumentRow
	Folders   []FolderRow
	Messages  []MessageRow
}

// MatterPage loads a matter's page for v, and marks the other side's
// messages read as Messages does. Its four queries go to Postgres in one
// round trip (a pgx batch): on this page each exchange cost more than the
// query. Every list query repeats the access rule itself, and nothing is
// returned unless the matter row came back.
func (s *Store) MatterPage(ctx context.Context, v Viewer, matterID int64) (MatterPage, error) {
	args := namedArgs(viewerArgs(v, matterID))
	b := &pgx.Batch{}
	b.Queue(matterQuery(v), args)
	b.Queue(documentsQuery(v), args)
	b.Queue(foldersQuery(v), args)
	b.Queue(messagesQuery(v), args)
	var p MatterPage
	found := false
	err := s.pgxConn(ctx, func(conn *pgx.Conn) error {
		br := conn.SendBatch(ctx, b)
		defer br.Close()
		matters, err := batchAll(br, scanMatter)
		if err != nil || len(matters) == 0 {
			return err
		}
		p.Matter, found = matters[0], true
		if p.Documents, err = batchAll(br, scanDocument); err != nil {
			return err
		}
		if p.Folders, err = batchAll(br, scanFolder); err != nil {
			return err
		}
		if p.Messages, err = batchAll(br, scanMessage); err != nil {
			return err
		}
		return br.Close()
	})
	if err != nil {
		return MatterPage{}, fmt.Errorf("store: load matter page: %w", err)
	}
	if !found {
		return MatterPage{}, notFoundErr()
	}
	if err := s.markRead(ctx, v, matterID, p.Messages); err != nil {
		return MatterPage{}, err
	}
	return p, nil
}

// pgxConn lends fn a pooled connection as the pgx connection under it, for
// what database/sql cannot do (batches). fn must not keep it.
func (s *Store) pgxConn(ctx context.Context, fn func(*pgx.Conn) error) error {
	sqlDB, err := s.DB.DB()
	if err != nil {
		return err
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("driver connection is %T, not pgx", dc)
		}
		return fn(c.Conn())
	})
}

// namedArgs are pgx.NamedArgs whose rewriting is done once per query text:
// pgx would parse each query again on every call, and a page sends four.
type namedArgs map[string]any

// positional is the rewritten form of a query, by its text.
var positional sync.Map // string -> positionalQuery

type positionalQuery struct {
	sql   string
	names []any // the parameter names, in $n order
}

// RewriteQuery implements pgx.QueryRewriter.
func (na namedArgs) RewriteQuery(ctx context.Context, conn *pgx.Conn, sql string, args []any) (string, []any, error) {
	cached, ok := positional.Load(sql)
	if !ok {
		// Rewritten with each name as its own value, the arguments come
		// back as the names in parameter order.
		names := pgx.NamedArgs{}
		for k := range na {
			names[k] = k
		}
		q, order, err := names.RewriteQuery(ctx, conn, sql, args)
		if err != nil {
			return "", nil, err
		}
		if slices.Contains(order, nil) {
			// A name the arguments lack: pgx's own rule (NULL), uncached.
			return pgx.NamedArgs(na).RewriteQuery(ctx, conn, sql, args)
		}
		cached, _ = positional.LoadOrStore(sql, positionalQuery{sql: q, names: order})
	}
	pq := cached.(positionalQuery)
	out := make([]any, len(pq.names))
	for i, name := range pq.names {
		out[i] = na[name.(string)]
	}
	return pq.sql, out, nil
}
