// Package auth holds the portal's side of passwordless sign-in: sessions
// kept in Redis with an idle and an absolute limit, CSRF tokens, the rate
// limits on asking for a link, and handing each request for a link to the
// worker. The links themselves are shared/store/signin's.
package auth

import "github.com/parleyhq/parley/shared/store/signin"

// Account is who a session signs in.
type Account = signin.Account

// Kind tells firm users from clients.
type Kind = signin.Kind

const (
	KindUser   = signin.KindUser
	KindClient = signin.KindClient
)
