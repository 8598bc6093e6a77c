package gqlserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/observability"
)

// ErrorPresenter maps errors to what clients see. Typed apperr errors keep
// their message and get extensions.code (and extensions.field); gqlgen's own
// parse, validation, complexity and persisted-query errors keep theirs;
// malformed scalar input becomes BAD_USER_INPUT; anything else is logged
// with the request id and shown only as INTERNAL, so no SQL or stack ever
// reaches a client.
func ErrorPresenter(log *slog.Logger, m *observability.Metrics) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		gqlErr := present(ctx, log, err)
		if m != nil {
			code, _ := gqlErr.Extensions["code"].(string)
			if c, ok := gqlErr.Extensions["code"].(apperr.Code); ok {
				code = string(c)
			}
			m.GraphQLErrors.WithLabelValues(code).Inc()
		}
		return gqlErr
	}
}

func present(ctx context.Context, log *slog.Logger, err error) *gqlerror.Error {
	var gqlErr *gqlerror.Error
	if !errors.As(err, &gqlErr) {
		gqlErr = gqlerror.WrapPath(graphql.GetPath(ctx), err)
	}
	if gqlErr.Path == nil {
		gqlErr.Path = graphql.GetPath(ctx)
	}
	if e, ok := apperr.As(err); ok {
		out := &gqlerror.Error{Message: e.Message, Path: gqlErr.Path, Locations: gqlErr.Locations,
			Extensions: map[string]any{"code": string(e.Code)}}
		if len(e.Field) > 0 {
			out.Extensions["field"] = e.Field
		}
		for k, v := range e.Extensions {
			out.Extensions[k] = v
		}
		if e.Code == apperr.Internal {
			log.ErrorContext(ctx, "internal error", "err", err, "path", gqlErr.Path.String())
			out.Message = internalMessage(ctx)
		}
		return out
	}
	if gqlErr.Err == nil { // produced by gqlgen/gqlparser itself: safe to show
		if gqlErr.Extensions == nil || gqlErr.Extensions["code"] == nil {
			if gqlErr.Extensions == nil {
				gqlErr.Extensions = map[string]any{}
			}
			gqlErr.Extensions["code"] = string(apperr.BadUserInput)
		}
		return gqlErr
	}
	if isInputError(gqlErr.Err) {
		return inputError(ctx, gqlErr)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &gqlerror.Error{Message: "request cancelled or timed out", Path: gqlErr.Path,
			Extensions: map[string]any{"code": string(apperr.Internal)}}
	}
	log.ErrorContext(ctx, "internal error", "err", err, "path", gqlErr.Path.String())
	return &gqlerror.Error{Message: internalMessage(ctx), Path: gqlErr.Path, Locations: gqlErr.Locations,
		Extensions: map[string]any{"code": string(apperr.Internal)}}
}

func internalMessage(ctx context.Context) string {
	if id := observability.RequestID(ctx); id != "" {
		return "internal error (request id " + id + ")"
	}
	return "internal error"
}

// isInputError recognises errors from decoding a client's scalar values.
func isInputError(err error) bool {
	var (
		numErr   *strconv.NumError
		timeErr  *time.ParseError
		jsonErr  *json.UnmarshalTypeError
		inputErr *InputError
	)
	return errors.As(err, &numErr) || errors.As(err, &timeErr) || errors.As(err, &jsonErr) || errors.As(err, &inputErr)
}

// inputError reports a malformed argument value as BAD_USER_INPUT. gqlgen
// puts the argument's input path (e.g. input.body) after the field's
// response path; it becomes extensions.field, as for the domain's
// validation errors, and path keeps the response path.
func inputError(ctx context.Context, gqlErr *gqlerror.Error) *gqlerror.Error {
	out := &gqlerror.Error{Message: gqlErr.Message, Path: gqlErr.Path, Locations: gqlErr.Locations,
		Extensions: map[string]any{"code": string(apperr.BadUserInput)}}
	var resp ast.Path
	if fc := graphql.GetFieldContext(ctx); fc != nil {
		resp = fc.Path()
	}
	if len(resp) == 0 || len(gqlErr.Path) <= len(resp) || gqlErr.Path[:len(resp)].String() != resp.String() {
		return out
	}
	field := make([]string, 0, len(gqlErr.Path)-len(resp))
	for _, el := range gqlErr.Path[len(resp):] {
		switch v := el.(type) {
		case ast.PathName:
			field = append(field, string(v))
		case ast.PathIndex:
			field = append(field, strconv.Itoa(int(v)))
		}
	}
	out.Path, out.Extensions["field"] = resp, field
	var ie *InputError
	if errors.As(gqlErr.Err, &ie) {
		out.Message = strings.Join(field, ".") + ": " + ie.Message
	}
	return out
}

// RecoverFunc turns a resolver panic into an INTERNAL error, logging the
// panic value and stack; the client sees neither.
func RecoverFunc(log *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, p any) error {
		log.ErrorContext(ctx, "panic in resolver", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		return &apperr.Error{Code: apperr.Internal, Message: "internal error", Err: fmt.Errorf("panic: %v", p)}
	}
}
