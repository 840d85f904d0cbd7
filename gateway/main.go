// Command gateway receives carrier webhooks (texts, delivery status, calls)
// and turns each into a queued task.
package main

import (
	"os"

	"github.com/parleyhq/parley/gateway/internal/app"
	"github.com/parleyhq/parley/shared/program"
)

func main() { os.Exit(program.Main("gateway", app.Run)) }
