package app

import (
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"net/http"

	"github.com/stratumhq/stratum/domain/auth"
	"github.com/stratumhq/stratum/internal/apperr"
)

// privacySecret derives the key that signs privacy export links from the
// server's JWT secret (a key of its own: a link is no access token).
func privacySecret(jwtSecret string) []byte {
	m := hmac.New(sha256.New, []byte(jwtSecret))
	m.Write([]byte("stratum privacy export links"))
	return m.Sum(nil)
}

// privacyExport answers GET /privacy/exports/{token}: the JSON export of a
// data-subject request (docs/adr/0018), for the user who requested it
// only (signed in: the session cookie or a bearer token), still an admin of
// the request's workspace and acting in it, while the signed link and the
// export have not expired. Every refusal is the same 404.
func (a *App) privacyExport() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Referrer-Policy", "no-referrer")
		notFound := func() { http.Error(w, "This download link is invalid or has expired.", http.StatusNotFound) }
		ctx, err := a.Resolver.Authenticator().Authenticate(r)
		if err != nil {
			notFound()
			return
		}
		p, ok := auth.FromContext(ctx)
		if !ok || !p.IsUser() || !p.Role.AtLeast(auth.RoleAdmin) {
			notFound()
			return
		}
		b, err := a.Services.Privacy.Download(ctx, r.PathValue("token"), p.TenantID, p.UserID)
		if err != nil {
			if apperr.CodeOf(err) != apperr.NotFound {
				a.Log.ErrorContext(r.Context(), "privacy export download failed", "err", err)
			}
			notFound()
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Disposition", `attachment; filename="profile-export.json"`)
		w.Header().Set("Content-Length", fmt.Sprint(len(b)))
		w.Write(b)
	})
}
