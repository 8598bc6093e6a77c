package app

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/stratumhq/stratum/domain/auth"
	"github.com/stratumhq/stratum/domain/platforms"
)

// oauthCallback answers GET /oauth/<platform>/callback, where a platform
// sends the browser back after its consent page (issue 12). The session
// cookie names the user and tenant; the state must be one that user started
// there (platforms.Connections.Callback). The browser is always redirected
// to the dashboard: to the authorization's return path (default
// /platforms?connected=<platform>) on success, with error=<reason> and a
// readable message otherwise. Neither the code, the state nor any token is
// logged.
func (a *App) oauthCallback() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Referrer-Policy", "no-referrer") // the code is in this URL
		platform, ok := platforms.PlatformBySlug(r.PathValue("platform"))
		if !ok {
			http.NotFound(w, r)
			return
		}
		fail := func(to, reason, msg string) {
			if to == "" {
				to = "/platforms"
			}
			http.Redirect(w, r, withQuery(to, url.Values{"error": {reason}, "message": {msg}, "platform": {platforms.Slug(platform)}}), http.StatusSeeOther)
		}
		ctx, err := a.Resolver.Authenticator().Authenticate(r)
		if err != nil {
			a.Log.WarnContext(r.Context(), "oauth callback: the session could not be checked", "platform", platform, "err", err)
			fail("", "session", "Your session could not be checked. Sign in and connect again.")
			return
		}
		p, ok := auth.FromContext(ctx)
		if !ok || !p.IsUser() {
			fail("", "session", "You were signed out while connecting. Sign in and connect again.")
			return
		}
		if !p.Role.AtLeast(auth.RoleAdmin) {
			fail("", "forbidden", "Only admins can connect ad platforms.")
			return
		}
		q := r.URL.Query()
		v, returnTo, err := a.Services.Connections.Callback(ctx, p.TenantID, p.UserID, platforms.CallbackInput{
			Platform: platform, Code: q.Get("code"), State: q.Get("state"), Error: q.Get("error"), ErrorDescription: q.Get("error_description")})
		var ce *platforms.CallbackError
		switch {
		case errors.As(err, &ce):
			a.Log.InfoContext(r.Context(), "oauth callback refused", "platform", platform, "reason", ce.Reason)
			fail(ce.ReturnTo, ce.Reason, ce.Message)
		case err != nil:
			a.Log.ErrorContext(r.Context(), "oauth callback failed", "platform", platform, "err", err)
			fail("", "server_error", "The connection could not be saved. Try again in a moment.")
		default:
			a.Log.InfoContext(r.Context(), "platform connected", "platform", platform, "connection", v.ID, "accounts", len(v.Accounts))
			http.Redirect(w, r, returnTo, http.StatusSeeOther)
		}
	})
}

// withQuery adds q to the path-and-query to.
func withQuery(to string, q url.Values) string {
	sep := "?"
	if strings.Contains(to, "?") {
		sep = "&"
	}
	return to + sep + q.Encode()
}
