// Package ops holds what the portal, the gateway and the worker share to be
// run in production: structured logs carrying the request or task ID, HTTP
// and task metrics, health endpoints and graceful shutdown.
package ops

import (
	"context"
	"io"
	"log/slog"
	"strings"
)

// Log attribute keys that every program uses, so logs can be searched alike.
const (
	KeyProgram   = "program"
	KeyRequestID = "request_id"
	KeyTaskID    = "task_id"
)

type ctxKey int

const (
	requestIDKey ctxKey = iota
	taskIDKey
)

// NewLogger returns a logger writing to w at the given level
// (debug|info|warn|error; anything else means info), as JSON lines, or as
// slog's key=value text when format is "text" (for a terminal: `make run`).
// Every record carries program=<program>, and request_id or task_id when
// the context passed to the *Context logging methods holds one.
func NewLogger(w io.Writer, program, level, format string) *slog.Logger {
	opts := &slog.HandlerOptions{Level: ParseLevel(level)}
	var h slog.Handler = slog.NewJSONHandler(w, opts)
	if format == "text" {
		h = slog.NewTextHandler(w, opts)
	}
	return slog.New(NewContextHandler(h)).With(slog.String(KeyProgram, program))
}

// ParseLevel maps debug|info|warn|error (any case) to a slog level; an
// unknown word gives info, since config has already validated the setting.
func ParseLevel(level string) slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(strings.TrimSpace(level))); err != nil {
		return slog.LevelInfo
	}
	return l
}

// WithRequestID returns ctx carrying the ID of the HTTP request being served.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey, id)
}

// RequestIDFrom returns the request ID in ctx, or "".
func RequestIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// WithTaskID returns ctx carrying the ID of the asynq task being processed.
func WithTaskID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, taskIDKey, id)
}

// TaskIDFrom returns the task ID in ctx, or "".
func TaskIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(taskIDKey).(string)
	return id
}

// ContextHandler adds request_id and task_id from the record's context to
// every record, so handlers only have to log with InfoContext(ctx, ...).
type ContextHandler struct {
	next slog.Handler
}

// NewContextHandler wraps next. NewLogger already does this.
func NewContextHandler(next slog.Handler) *ContextHandler {
	return &ContextHandler{next: next}
}

// Enabled reports whether next handles records at level.
func (h *ContextHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.next.Enabled(ctx, level)
}

// Handle adds the IDs found in ctx, then passes the record on.
func (h *ContextHandler) Handle(ctx context.Context, r slog.Record) error {
	if ctx != nil {
		if id := RequestIDFrom(ctx); id != "" {
			r.AddAttrs(slog.String(KeyRequestID, id))
		}
		if id := TaskIDFrom(ctx); id != "" {
			r.AddAttrs(slog.String(KeyTaskID, id))
		}
	}
	return h.next.Handle(ctx, r)
}

// WithAttrs keeps the wrapper around the derived handler.
func (h *ContextHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &ContextHandler{next: h.next.WithAttrs(attrs)}
}

// WithGroup keeps the wrapper around the derived handler; the IDs then land
// inside the group, as slog offers no way back to the top level.
func (h *ContextHandler) WithGroup(name string) slog.Handler {
	return &ContextHandler{next: h.next.WithGroup(name)}
}
