package mail_test

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/parleyhq/parley/shared/testkit"
	"github.com/parleyhq/parley/worker/internal/mail"
)

func TestSMTPSender(t *testing.T) {
	t.Parallel()
	srv := testkit.StartSMTP(t)
	srv.RejectRcpt["gone@example.com"] = true
	s, err := mail.NewSMTPSender(srv.URL(), "Demo Law <no-reply@demo.test>")
	require.NoError(t, err)
	ctx := context.Background()

	require.NoError(t, s.Send(ctx, mail.Message{To: "casey@example.com", Subject: "Sign in to Parley", Text: "Open https://portal.test/x"}))
	got := srv.WaitFor(t, "casey@example.com", 5*time.Second)
	assert.Equal(t, "Sign in to Parley", got.Subject)
	assert.Contains(t, got.Body, "https://portal.test/x")
	assert.Equal(t, "no-reply@demo.test", got.From)

	err = s.Send(ctx, mail.Message{To: "gone@example.com", Subject: "x", Text: "y"})
	assert.ErrorIs(t, err, mail.ErrPermanent, "a refused recipient is not worth retrying")

	err = s.Send(ctx, mail.Message{To: "not an address", Subject: "x", Text: "y"})
	assert.ErrorIs(t, err, mail.ErrPermanent)
}

func TestSMTPSenderServerDownIsTemporary(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close()
	s, err := mail.NewSMTPSender("smtp://"+addr, "no-reply@demo.test")
	require.NoError(t, err)
	err = s.Send(context.Background(), mail.Message{To: "casey@example.com", Subject: "x", Text: "y"})
	require.Error(t, err)
	assert.False(t, errors.Is(err, mail.ErrPermanent))
}
