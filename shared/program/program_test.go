package program

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/parleyhq/parley/shared/config"
)

func TestConfigErrorIsOneLineAndExit2(t *testing.T) {
	var out bytes.Buffer
	load := func() (config.Config, error) {
		return config.Parse(func(k string) (string, bool) {
			if k == "REDIS_URL" {
				return "nope", true
			}
			return "", false
		})
	}
	ran := false
	code := run("gateway", &out, load, func(context.Context, config.Config, *slog.Logger) error { ran = true; return nil })
	assert.Equal(t, 2, code)
	assert.False(t, ran)
	assert.Equal(t, 1, strings.Count(out.String(), "\n"))
	assert.Contains(t, out.String(), "gateway: config: REDIS_URL")
}

func TestRunErrorExit1(t *testing.T) {
	var out bytes.Buffer
	load := func() (config.Config, error) { return config.Parse(func(string) (string, bool) { return "", false }) }
	code := run("worker", &out, load, func(context.Context, config.Config, *slog.Logger) error { return errors.New("boom") })
	assert.Equal(t, 1, code)
	assert.Contains(t, out.String(), "boom")
	assert.Equal(t, 0, run("worker", &out, load, func(context.Context, config.Config, *slog.Logger) error { return nil }))
}

func TestRefusalIsOneLineAndExit1(t *testing.T) {
	var out bytes.Buffer
	load := func() (config.Config, error) { return config.Parse(func(string) (string, bool) { return "", false }) }
	code := run("portal", &out, load, func(context.Context, config.Config, *slog.Logger) error {
		return &Refused{errors.New("that email address already belongs to a user")}
	})
	assert.Equal(t, 1, code)
	assert.Equal(t, "portal: that email address already belongs to a user\n", out.String(), "one line, no error log")
}
