package signin_test

import (
	"context"
	"errors"
	"regexp"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/parleyhq/parley/shared/docstore"
	"github.com/parleyhq/parley/shared/models"
	"github.com/parleyhq/parley/shared/seed"
	"github.com/parleyhq/parley/shared/store/signin"
	"github.com/parleyhq/parley/shared/tasks"
	"github.com/parleyhq/parley/shared/testkit"
)

func newStore(t *testing.T) (*signin.Store, *gorm.DB, *testkit.Queue) {
	t.Helper()
	gdb := testkit.DB(t)
	ds, err := docstore.NewDisk(t.TempDir())
	require.NoError(t, err)
	require.NoError(t, seed.Demo(context.Background(), gdb, ds, testkit.Logger()))
	q := &testkit.Queue{}
	return &signin.Store{DB: gdb, Tasks: q, PublicURL: "http://portal.test"}, gdb, q
}

var linkRE = regexp.MustCompile(`/login/link/([A-Za-z0-9_-]+)`)

// lastToken reads the token of the newest link emailed to addr.
func lastToken(t *testing.T, gdb *gorm.DB, addr string) string {
	t.Helper()
	var e models.OutboundEmail
	require.NoError(t, gdb.Where("to_address = ?", addr).Order("id DESC").Take(&e).Error)
	m := linkRE.FindStringSubmatch(e.BodyText)
	require.NotNil(t, m, e.BodyText)
	return m[1]
}

func TestSendLinksOncePerRequest(t *testing.T) {
	t.Parallel()
	s, gdb, q := newStore(t)
	ctx := context.Background()
	emails := func() int64 {
		var n int64
		require.NoError(t, gdb.Model(&models.OutboundEmail{}).Count(&n).Error)
		return n
	}
	before := emails()

	n, err := s.SendLinks(ctx, seed.DemoClientEmail, "req-1")
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	n, err = s.SendLinks(ctx, seed.DemoClientEmail, "req-1")
	require.NoError(t, err)
	assert.Zero(t, n, "the same request run again sends nothing")
	assert.Equal(t, before+1, emails())
	require.Len(t, q.OfType(tasks.TypeEmailSend), 1)

	n, err = s.SendLinks(ctx, seed.DemoClientEmail, "req-2")
	require.NoError(t, err)
	assert.Equal(t, 1, n, "a second request is a second link")

	n, err = s.SendLinks(ctx, "nobody@example.com", "req-3")
	require.NoError(t, err)
	assert.Zero(t, n)
	assert.Equal(t, before+2, emails(), "nothing for an address without an account")
}

func TestConsumeRaceHasOneWinner(t *testing.T) {
	t.Parallel()
	s, gdb, _ := newStore(t)
	ctx := context.Background()
	accts, err := s.Accounts(ctx, seed.DemoClientEmail)
	require.NoError(t, err)
	require.Len(t, accts, 1)
	assert.Equal(t, signin.KindClient, accts[0].Kind)
	_, err = s.SendLinks(ctx, seed.DemoClientEmail, "race")
	require.NoError(t, err)
	token := lastToken(t, gdb, seed.DemoClientEmail)
	link, err := s.Check(ctx, token)
	require.NoError(t, err)
	assert.Equal(t, seed.DemoClientEmail, link.Email)

	var wg sync.WaitGroup
	results := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			_, err := s.Consume(ctx, token)
			results <- err
		})
	}
	wg.Wait()
	close(results)
	wins := 0
	for err := range results {
		if err == nil {
			wins++
		} else {
			assert.True(t, errors.Is(err, signin.ErrLinkUsed), err)
		}
	}
	assert.Equal(t, 1, wins)
}
