// Command worker runs Parley's background tasks from the Redis queues.
package main

import (
	"os"

	"github.com/parleyhq/parley/shared/program"
	"github.com/parleyhq/parley/worker/internal/app"
)

func main() { os.Exit(program.Main("worker", app.Run)) }
