// Command portal serves Parley's web pages and API, and administers the
// database: `portal` (or `portal serve`), `portal migrate`, `portal seed-demo`.
package main

import (
	"os"

	"github.com/parleyhq/parley/portal/internal/cli"
)

func main() { os.Exit(cli.Main(os.Args[1:])) }
