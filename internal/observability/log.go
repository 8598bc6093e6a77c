// Package observability holds Stratum's logging and metrics plumbing:
// JSON slog logs carrying the request id of the request they belong to, and
// the Prometheus collectors every part of the server reports to.
package observability

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"strings"
)

type requestIDKey struct{}

// WithRequestID returns ctx carrying id.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID returns the request id in ctx, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// NewRequestID returns a random 16-hex-digit id.
func NewRequestID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// contextHandler adds request_id from the record's context to every line,
// at the top level even when the logger has groups.
type contextHandler struct {
	inner  slog.Handler // base with ops applied
	base   slog.Handler // without attrs or groups
	ops    []handlerOp
	groups bool
}

type handlerOp struct {
	group string
	attrs []slog.Attr
}

func (h contextHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.inner.Enabled(ctx, l)
}

func (h contextHandler) Handle(ctx context.Context, r slog.Record) error {
	id := RequestID(ctx)
	if id == "" {
		return h.inner.Handle(ctx, r)
	}
	if !h.groups {
		r.AddAttrs(slog.String("request_id", id))
		return h.inner.Handle(ctx, r)
	}
	// Attributes added to a record land in the innermost group: rebuild the
	// chain with request_id first so it stays at the top level.
	hh := h.base.WithAttrs([]slog.Attr{slog.String("request_id", id)})
	for _, op := range h.ops {
		if op.group != "" {
			hh = hh.WithGroup(op.group)
		} else {
			hh = hh.WithAttrs(op.attrs)
		}
	}
	return hh.Handle(ctx, r)
}

func (h contextHandler) with(op handlerOp, inner slog.Handler) contextHandler {
	ops := append(append([]handlerOp(nil), h.ops...), op)
	return contextHandler{inner: inner, base: h.base, ops: ops, groups: h.groups || op.group != ""}
}

func (h contextHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return h.with(handlerOp{attrs: attrs}, h.inner.WithAttrs(attrs))
}

func (h contextHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	return h.with(handlerOp{group: name}, h.inner.WithGroup(name))
}

// NewLogger returns a JSON logger at level (debug|info|warn|error) whose lines
// carry the request id of the context they are logged with.
func NewLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	switch strings.ToLower(level) {
	case "debug":
		l = slog.LevelDebug
	case "warn":
		l = slog.LevelWarn
	case "error":
		l = slog.LevelError
	default:
		l = slog.LevelInfo
	}
	base := slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l})
	return slog.New(contextHandler{inner: base, base: base})
}
