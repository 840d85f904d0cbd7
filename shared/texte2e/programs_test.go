package texte2e

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/parleyhq/parley/shared/seed"
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

// stack is the four real programs of one run (portal, gateway, worker and
// the carrier simulator), migrated and seeded as `make run` does, with the
// demo firm's texting on.
type stack struct {
	db                                  *gorm.DB
	smtp                                *testkit.SMTPServer
	portalURL, gatewayURL, simURL       string
	firmID, clientID, matterID, adminID int64
}

func startStack(t *testing.T) stack {
	t.Helper()
	bin := testkit.BuildPrograms(t, "portal", "gateway", "worker", "gateway/carriersim")
	st := stack{smtp: testkit.StartSMTP(t)}
	a := newAddrs(t)
	dbURL := testkit.EmptyDatabaseURL(t)
	vars := baseVars(t, dbURL, testkit.RedisURL(t), a)
	vars["SMTP_URL"] = st.smtp.URL()
	vars["CARRIERSIM_ADDR"] = a.sim
	vars["CARRIERSIM_PUBLIC_URL"] = "http://" + a.sim
	vars["CARRIERSIM_PHONE"] = seed.DemoClientPhone
	env := testkit.ProgramEnv(t, vars)

	// As `make run` does: the programs' own migrations and demo seed, which
	// turns texting on for the demo firm with the pool's number.
	testkit.RunCommand(t, filepath.Join(bin, "portal"), env, "migrate")
	testkit.RunCommand(t, filepath.Join(bin, "portal"), env, "seed-demo")
	st.portalURL, st.gatewayURL, st.simURL = "http://"+a.portal, "http://"+a.gateway, "http://"+a.sim
	workerURL := "http://" + a.worker
	portal := testkit.StartProgram(t, "portal", filepath.Join(bin, "portal"), env, "serve")
	gateway := testkit.StartProgram(t, "gateway", filepath.Join(bin, "gateway"), env)
	worker := testkit.StartProgram(t, "worker", filepath.Join(bin, "worker"), env)
	sim := testkit.StartProgram(t, "carriersim", filepath.Join(bin, "carriersim"), env)
	portal.WaitReady(t, st.portalURL, 60*time.Second)
	gateway.WaitReady(t, st.gatewayURL, 60*time.Second)
	worker.WaitReady(t, workerURL, 60*time.Second)
	sim.WaitReady(t, st.simURL, 60*time.Second)

	st.db = testkit.DBAt(t, dbURL)
	require.NoError(t, st.db.Raw(`SELECT id FROM firms WHERE slug = ? AND texting_enabled AND texting_number = ?`,
		seed.DemoFirmSlug, firmNumber).Scan(&st.firmID).Error)
	require.NotZero(t, st.firmID, "seed-demo did not turn texting on for the demo firm with %s", firmNumber)
	require.NoError(t, st.db.Raw(`SELECT contact_id FROM contact_phone_numbers WHERE firm_id = ? AND number = ?`,
		st.firmID, seed.DemoClientPhone).Scan(&st.clientID).Error)
	require.NotZero(t, st.clientID, "no demo client with %s", seed.DemoClientPhone)
	require.NoError(t, st.db.Raw(`SELECT id FROM matters WHERE firm_id = ? AND client_contact_id = ?`, st.firmID, st.clientID).
		Scan(&st.matterID).Error)
	require.NotZero(t, st.matterID, "the demo client has no matter")
	return st
}
