package cli_test

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/testkit"
)

// runPortal runs the portal binary with args and returns its exit code,
// stdout and stderr.
func runPortal(t *testing.T, bin string, env []string, args ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(bin, "portal"), args...)
	cmd.Env = env
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode(), out.String(), errOut.String()
	}
	require.NoError(t, err)
	return 0, out.String(), errOut.String()
}

// The operator sets up two firms from the command line; a taken address is
// refused with one line and exit 1, and creates nothing.
func TestCreateFirmCommand(t *testing.T) {
	t.Parallel()
	bin := testkit.BuildPrograms(t, "portal")
	dbURL := testkit.EmptyDatabaseURL(t)
	env := testkit.ProgramEnv(t, map[string]string{"DATABASE_URL": dbURL, "PUBLIC_URL": "https://parley.example.com"})
	testkit.RunCommand(t, filepath.Join(bin, "portal"), env, "migrate")

	code, out, _ := runPortal(t, bin, env, "create-firm", "--name", "Ada & Byron LLP", "--admin-email", "ada@example.com",
		"--admin-name", "Ada Lovelace", "--time-zone", "America/Chicago")
	require.Equal(t, 0, code, out)
	m := regexp.MustCompile(`\(ID (\d+)\)`).FindStringSubmatch(out)
	require.NotNil(t, m, out)
	assert.Contains(t, out, "https://parley.example.com/login")
	assert.Contains(t, out, "ada@example.com")

	code, out, errOut := runPortal(t, bin, env, "create-firm", "--name", "Copycat LLP", "--admin-email", "ADA@example.com")
	assert.Equal(t, 1, code)
	assert.Empty(t, out)
	assert.Equal(t, 1, strings.Count(errOut, "\n"), "one line: %q", errOut)
	assert.Contains(t, errOut, "already belongs to a user")

	code, out, _ = runPortal(t, bin, env, "create-firm", "--name", "Second Firm", "--admin-email", "grace@example.com")
	require.Equal(t, 0, code, out)

	for _, args := range [][]string{
		{"create-firm", "--admin-email", "x@example.com"},
		{"create-firm", "--name", "No Admin"},
		{"create-firm", "--name", "X", "--admin-email", "x@example.com", "--bogus"},
	} {
		code, _, errOut := runPortal(t, bin, env, args...)
		assert.Equal(t, 2, code, "%v", args)
		assert.Equal(t, 1, strings.Count(errOut, "\n"), "%v: %q", args, errOut)
	}
	code, _, errOut = runPortal(t, bin, env, "create-firm", "--name", "Zoned", "--admin-email", "z@example.com", "--time-zone", "Mars/Base")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "not a time zone")

	gdb := testkit.DBAt(t, dbURL)
	var firmsMade []models.Firm
	require.NoError(t, gdb.Order("id").Find(&firmsMade).Error)
	require.Len(t, firmsMade, 2, "refused set-ups create nothing")
	assert.Equal(t, "America/Chicago", firmsMade[0].TimeZone)
	var users []models.User
	require.NoError(t, gdb.Order("id").Find(&users).Error)
	require.Len(t, users, 2)
	assert.Equal(t, firmsMade[0].ID, users[0].FirmID)
	assert.Equal(t, firmsMade[1].ID, users[1].FirmID, "each admin in their own firm")
	assert.Equal(t, "Ada", users[0].FirstName)
}

// The operator makes a personal API token for a user: the token alone on
// the last line, usable at once; an unknown or deactivated address is
// refused in one line.
func TestAPITokenCommand(t *testing.T) {
	t.Parallel()
	bin := testkit.BuildPrograms(t, "portal")
	dbURL := testkit.EmptyDatabaseURL(t)
	env := testkit.ProgramEnv(t, map[string]string{"DATABASE_URL": dbURL})
	testkit.RunCommand(t, filepath.Join(bin, "portal"), env, "migrate")
	code, out, _ := runPortal(t, bin, env, "create-firm", "--name", "Ada LLP", "--admin-email", "ada@example.com")
	require.Equal(t, 0, code, out)

	code, out, errOut := runPortal(t, bin, env, "api-token", "create", "--email", "ADA@example.com", "--name", "Nightly export")
	require.Equal(t, 0, code, errOut)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	token := lines[len(lines)-1]
	assert.Regexp(t, `^parley_pat_[A-Za-z0-9_-]{43}$`, token, "the token alone on the last line")

	gdb := testkit.DBAt(t, dbURL)
	var stored models.APIToken
	require.NoError(t, gdb.Take(&stored).Error)
	assert.Equal(t, "Nightly export", stored.Name)
	assert.NotContains(t, string(stored.TokenHash), token, "only a hash is kept")

	for _, tt := range []struct {
		args []string
		code int
	}{
		{[]string{"api-token", "create", "--email", "nobody@example.com", "--name", "x"}, 1},
		{[]string{"api-token", "create", "--email", "ada@example.com"}, 2},
		{[]string{"api-token", "create", "--name", "x"}, 2},
		{[]string{"api-token", "list"}, 2},
	} {
		code, _, errOut := runPortal(t, bin, env, tt.args...)
		assert.Equal(t, tt.code, code, "%v", tt.args)
		assert.Equal(t, 1, strings.Count(errOut, "\n"), "%v: %q", tt.args, errOut)
	}
	require.NoError(t, gdb.Model(&models.User{}).Where("email = ?", "ada@example.com").Update("active", false).Error)
	code, _, errOut = runPortal(t, bin, env, "api-token", "create", "--email", "ada@example.com", "--name", "x")
	assert.Equal(t, 1, code, "a deactivated user gets no token")
	assert.Contains(t, errOut, "no active user")
}
