package ops

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewLoggerAddsProgramAndContextIDs(t *testing.T) {
	t.Parallel()
	var out logBuffer
	logger := NewLogger(&out, "portal", "info", "json")

	ctx := WithRequestID(context.Background(), "req-1")
	logger.InfoContext(ctx, "hello", "n", 1)
	logger.With("component", "store").InfoContext(WithTaskID(context.Background(), "task-9"), "from task")
	logger.Info("no context ids")

	recs := out.Records(t)
	require.Len(t, recs, 3)
	for _, r := range recs {
		assert.Equal(t, "portal", r["program"])
	}
	assert.Equal(t, "req-1", recs[0]["request_id"])
	assert.NotContains(t, recs[0], "task_id")
	assert.Equal(t, "task-9", recs[1]["task_id"])
	assert.Equal(t, "store", recs[1]["component"])
	assert.NotContains(t, recs[2], "request_id")
	assert.NotContains(t, recs[2], "task_id")
}

func TestNewLoggerTextFormat(t *testing.T) {
	t.Parallel()
	var out strings.Builder
	NewLogger(&out, "portal", "info", "text").InfoContext(WithRequestID(context.Background(), "req-1"), "hello", "n", 1)
	line := out.String()
	assert.Contains(t, line, "level=INFO msg=hello program=portal n=1 request_id=req-1")
	assert.False(t, strings.HasPrefix(line, "{"), "text, not JSON: %s", line)
}

func TestNewLoggerLevel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		level     string
		debugLogs bool
		infoLogs  bool
		warnLogs  bool
	}{
		{"debug", true, true, true},
		{"info", false, true, true},
		{"WARN", false, false, true},
		{"error", false, false, false},
		{"", false, true, true},
		{"loud", false, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.level, func(t *testing.T) {
			t.Parallel()
			var out logBuffer
			logger := NewLogger(&out, "worker", tt.level, "json")
			logger.Debug("d")
			logger.Info("i")
			logger.Warn("w")
			assert.Equal(t, tt.debugLogs, len(out.Find(t, map[string]any{"msg": "d"})) == 1)
			assert.Equal(t, tt.infoLogs, len(out.Find(t, map[string]any{"msg": "i"})) == 1)
			assert.Equal(t, tt.warnLogs, len(out.Find(t, map[string]any{"msg": "w"})) == 1)
		})
	}
}

func TestIDsFromEmptyContext(t *testing.T) {
	t.Parallel()
	assert.Empty(t, RequestIDFrom(context.Background()))
	assert.Empty(t, TaskIDFrom(context.Background()))
	assert.Equal(t, slog.LevelDebug, ParseLevel(" debug "))
}
