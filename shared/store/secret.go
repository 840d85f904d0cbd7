package store

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
)

// NewSecret is prefix and n random bytes in base64url: a token, link,
// nonce or client secret that is shown once and kept only as SecretHash.
func NewSecret(prefix string, n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("store: random: %w", err)
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b), nil
}

// SecretHash is what is kept of a secret: its SHA-256.
func SecretHash(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// SecretHashArg is SecretHash as an SQL argument for decode(?, 'hex'):
// gorm spreads a []byte argument inside VALUES (...) into a list of values.
func SecretHashArg(secret string) string { return hex.EncodeToString(SecretHash(secret)) }
