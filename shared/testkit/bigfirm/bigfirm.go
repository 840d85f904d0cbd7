// Package bigfirm gives tests and benchmarks the demo firm grown to a big
// firm's size (seed.Sizes), built once per machine and kept.
package bigfirm

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/parleyhq/parley/shared/db"
	"github.com/parleyhq/parley/shared/docstore"
	"github.com/parleyhq/parley/shared/seed"
	"github.com/parleyhq/parley/shared/testkit"
)

// DB returns the URL of a database of the test's own holding the demo firm
// grown to size ("medium" or "large"): a copy of the one kept.
func DB(tb testing.TB, size string) string {
	tb.Helper()
	return testkit.Clone(tb, Kept(tb, size))
}

// Kept returns the URL of the database kept for size, made the first time
// on this machine. Tests must only read it.
func Kept(tb testing.TB, size string) string {
	tb.Helper()
	s, ok := seed.Sizes[size]
	if !ok {
		tb.Fatalf("bigfirm: no size %q", size)
	}
	return testkit.Kept(tb, "bigfirm_"+size, fmt.Sprintf("v%d", seed.GrowVersion), func(ctx context.Context, url string) error {
		gdb, err := db.Open(ctx, url)
		if err != nil {
			return err
		}
		defer db.Close(gdb)
		dir, err := os.MkdirTemp("", "parley-bigfirm-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		store, err := docstore.NewDisk(dir)
		if err != nil {
			return err
		}
		if err := seed.Demo(ctx, gdb, store, testkit.Logger()); err != nil {
			return err
		}
		return seed.Grow(ctx, gdb, testkit.Logger(), s)
	})
}
