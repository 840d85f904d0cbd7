package db

import (
	"embed"
	"io/fs"
)

// migrationsFS holds the numbered SQL migrations, applied in order by goose.
//
//go:embed migrations/*.sql
var migrationsFS embed.FS

// MigrationsFS returns the migrations, rooted at their folder.
func MigrationsFS() fs.FS {
	sub, err := fs.Sub(migrationsFS, "migrations")
	if err != nil {
		panic(err) // the embed pattern above guarantees the folder exists
	}
	return sub
}
