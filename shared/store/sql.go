package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"
)

// Rows is a result as database/sql and pgx both give it, so one scan
// function reads a list queried alone or in a batch.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// Collect scans each row straight into the slice, so a row costs no
// allocation of its own.
func Collect[T any](r Rows, scan func(Rows, *T) error) ([]T, error) {
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

// QueryAll runs q with its named (@name) arguments and scans every row.
// Named columns and a direct scan: gorm's reflective scan of a busy page's
// rows was most of their cost. It runs on the pgx connection itself, whose
// binary rows scan without database/sql's conversion of every value.
func QueryAll[T any](ctx context.Context, gdb *gorm.DB, q string, args map[string]any, scan func(Rows, *T) error) ([]T, error) {
	if inTx(gdb) {
		r, err := gdb.WithContext(ctx).Raw(q, args).Rows()
		if err != nil {
			return nil, err
		}
		defer r.Close()
		return Collect(r, scan)
	}
	var out []T
	err := PgxConn(ctx, gdb, func(conn *pgx.Conn) error {
		r, err := conn.Query(ctx, q, NamedArgs(args))
		if err != nil {
			return err
		}
		defer r.Close()
		out, err = Collect(r, scan)
		return err
	})
	return out, err
}

// QueryInt runs q (QueryAll) for its one row of one number: a count.
func QueryInt(ctx context.Context, gdb *gorm.DB, q string, args map[string]any) (int, error) {
	ns, err := QueryAll(ctx, gdb, q, args, func(r Rows, n *int) error { return r.Scan(n) })
	if err == nil && len(ns) != 1 {
		err = fmt.Errorf("%d rows, not one", len(ns))
	}
	if err != nil {
		return 0, err
	}
	return ns[0], nil
}

// ScanID scans a row of one ID.
func ScanID(r Rows, id *int64) error { return r.Scan(id) }

// BatchAll scans every row of the batch's next result.
func BatchAll[T any](br pgx.BatchResults, scan func(Rows, *T) error) ([]T, error) {
	r, err := br.Query()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return Collect(r, scan)
}

// PgxConn lends fn a pooled connection as the pgx connection under it, for
// what database/sql cannot do (batches). fn must not keep it.
func PgxConn(ctx context.Context, gdb *gorm.DB, fn func(*pgx.Conn) error) error {
	if inTx(gdb) {
		// gdb.DB() would hand over the pool under the transaction: a
		// statement sent there would not see the transaction's writes.
		return errors.New("store: PgxConn inside a transaction")
	}
	sqlDB, err := gdb.DB()
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

// inTx says gdb is a transaction, not the pool.
func inTx(gdb *gorm.DB) bool {
	pool := gdb.ConnPool
	if gdb.Statement != nil && gdb.Statement.ConnPool != nil {
		pool = gdb.Statement.ConnPool
	}
	_, ok := pool.(gorm.TxCommitter)
	return ok
}

// NamedArgs are pgx.NamedArgs whose rewriting is done once per query text:
// pgx would parse each query again on every call, and a page sends four.
type NamedArgs map[string]any

// positional is the rewritten form of a query, by its text.
var positional sync.Map // string -> positionalQuery

type positionalQuery struct {
	sql   string
	names []any // the parameter names, in $n order
}

// RewriteQuery implements pgx.QueryRewriter.
func (na NamedArgs) RewriteQuery(ctx context.Context, conn *pgx.Conn, sql string, args []any) (string, []any, error) {
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

// EscapeLike makes s match literally inside a LIKE pattern.
func EscapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// OnlyDigits keeps the ASCII digits of s.
func OnlyDigits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Int64Array writes ids as a Postgres array literal, for = ANY(CAST(@ids
// AS bigint[])): gorm would spread a slice into a list of parameters, one
// statement per length, whose plans the planner weighs apart.
func Int64Array(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return "{" + strings.Join(parts, ",") + "}"
}
