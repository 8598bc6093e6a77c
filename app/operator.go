package app

import (
	"context"
	"net/http"

	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/auth"
)

// operatorCheck admits platform operators (session cookie or Bearer token
// of a user whose operator flag is set now) to /admin/jobs. Every
// state-changing request and every refusal of a signed-in user is written
// to platform_audit_log.
func (a *App) operatorCheck(r *http.Request) bool {
	svc := a.Services.Auth
	ctx, err := a.Resolver.Auth.Authenticate(r)
	if err != nil {
		return false
	}
	p, ok := auth.FromContext(ctx)
	if !ok || !p.IsUser() {
		return false
	}
	on, err := svc.IsOperator(ctx, p.UserID)
	if err != nil {
		a.Log.ErrorContext(ctx, "operator check", "err", err)
		return false
	}
	if on && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		return true
	}
	e := auth.PlatformEntry{ActorType: "OPERATOR", ActorID: p.UserID, Action: "operator.jobs " + r.Method, Target: r.URL.Path}
	if !on {
		e.ActorType, e.Outcome = "USER", "DENIED"
	}
	if err := a.DB.InGlobal(ctx, func(ctx context.Context, tx bun.Tx) error { return svc.PlatformAudit(ctx, tx, e) }); err != nil {
		a.Log.ErrorContext(ctx, "audit operator action", "err", err)
		return false
	}
	return on
}
