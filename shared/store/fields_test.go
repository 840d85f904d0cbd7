package store

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestNormalizeEmail(t *testing.T) {
	for in, want := range map[string]string{
		" Casey@Example.COM ": "casey@example.com",
		"a@b":                 "a@b",
		"no-at-sign":          "",
		"@example.com":        "",
		"casey@":              "",
		"a b@example.com":     "",
		"a@example.com, b@x":  "",
		"<a@example.com>":     "",
	} {
		assert.Equal(t, want, NormalizeEmail(in), in)
	}
}

func TestFieldErrors(t *testing.T) {
	e := FieldErrors{}
	assert.NoError(t, e.Err(), "nothing wrong")
	e.Add("name", "Give the firm a name.")
	e.Add("name", "a second note on the same field is dropped")
	e.Add("email", "Give an email address.")
	assert.Error(t, e.Err())
	assert.Equal(t, "Give the firm a name.", e["name"])
	assert.Equal(t, "email: Give an email address.; name: Give the firm a name.", e.Error())
}
