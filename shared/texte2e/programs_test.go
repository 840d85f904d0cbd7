package texte2e

import (
	"testing"

	"github.com/parleyhq/parley/shared/testkit"
)

// The operator's carrier account and pool as every program sees them. The
// simulator takes the same credentials, so its signatures check out at the
// gateway and the worker's sends are accepted.
const (
	twilioSID   = "AC0123456789abcdef0123456789abcdef" // "AC" and 32 characters, like a real SID
	twilioToken = "texte2e-auth-token"
	firmNumber  = "+18885550100" // the pool's one number, which seed-demo gives the demo firm
)

// baseVars is the configuration every program of one run shares: the
// test's database and Redis, the carrier account, the pool, and where each
// program listens. Callers add what only some runs need.
func baseVars(tb testing.TB, dbURL, redisURL string, a addrs) map[string]string {
	tb.Helper()
	return map[string]string{
		"DATABASE_URL":       dbURL,
		"REDIS_URL":          redisURL,
		"PORTAL_ADDR":        a.portal,
		"GATEWAY_ADDR":       a.gateway,
		"WORKER_ADDR":        a.worker,
		"PUBLIC_URL":         "http://" + a.portal,
		"GATEWAY_PUBLIC_URL": "http://" + a.gateway,
		"DOCUMENTS_DIR":      tb.TempDir(),
		"TWILIO_ACCOUNT_SID": twilioSID,
		"TWILIO_AUTH_TOKEN":  twilioToken,
		"TWILIO_API_URL":     "http://" + a.sim,
		"TEXTING_NUMBERS":    "twilio:" + firmNumber,
		"SHUTDOWN_TIMEOUT":   "10s",
	}
}

// addrs are the loopback addresses of one run's programs.
type addrs struct{ portal, gateway, worker, sim string }

func newAddrs(tb testing.TB) addrs {
	return addrs{portal: testkit.FreeAddr(tb), gateway: testkit.FreeAddr(tb), worker: testkit.FreeAddr(tb), sim: testkit.FreeAddr(tb)}
}
