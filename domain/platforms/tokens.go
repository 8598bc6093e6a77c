package platforms

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/incidents"
	"github.com/stratumhq/stratum/internal/db"
	"github.com/stratumhq/stratum/internal/derrors"
)

// Connections is the Service's TokenSource: Token opens a connection's
// sealed grant and refreshes it first when it expires within
// RefreshBefore, calling the platform with no transaction open.

var _ TokenSource = (*Connections)(nil)

func (c *Connections) refreshBefore() time.Duration {
	if c.RefreshBefore > 0 {
		return c.RefreshBefore
	}
	return 5 * time.Minute
}

// Token implements TokenSource. The sandbox has no grant (the simulator
// needs none): its token is empty. A connection in NEEDS_REAUTH, or whose
// refresh the platform refuses as an auth error, returns an ErrorAuth
// *APIError (the refusal also marks the connection NEEDS_REAUTH and opens
// one incident per connection).
func (c *Connections) Token(ctx context.Context, cn *Connection) (tok Token, err error) {
	defer derrors.Wrap(&err, "platforms.Connections.Token(%v, %v)", cn.TenantID, cn.ID)
	if cn.Sandbox {
		return Token{}, nil
	}
	if cn.Status == ConnectionNeedsReauth {
		return Token{}, &APIError{Platform: cn.Platform, Kind: ErrorAuth, Code: "NEEDS_REAUTH", Message: reauthMessage(cn)}
	}
	tok, err = c.openToken(cn)
	if err != nil {
		return Token{}, err
	}
	now := c.DB.Now(ctx)
	if tok.ExpiresAt.IsZero() || tok.ExpiresAt.After(now.Add(c.refreshBefore())) {
		return tok, nil
	}
	return c.refresh(ctx, cn, tok)
}

func reauthMessage(cn *Connection) string {
	if cn.StatusMessage != "" {
		return cn.StatusMessage
	}
	return Name(cn.Platform) + " needs to be connected again."
}

// refresh renews tok at the platform, then stores it with a compare-and-set
// on the stored grant: when another worker replaced the grant in the
// meantime (its own refresh, a reconnect) and the stored one is not about
// to expire, the stored one wins and is returned (both are valid; the
// stored one is what every later reader sees). Other changes to the row
// (status, last sync) do not make a fresh token lose.
func (c *Connections) refresh(ctx context.Context, cn *Connection, old Token) (Token, error) {
	if _, inTx := db.TxFromContext(ctx); inTx {
		return Token{}, errors.New("a grant is refreshed with no transaction open")
	}
	api := c.Platforms.APIs[cn.Platform]
	if api == nil {
		return Token{}, fmt.Errorf("no client for %s", cn.Platform)
	}
	fresh, err := api.Refresh(ctx, old)
	if err != nil {
		if ErrorKindOf(err) == ErrorAuth {
			msg := platformWords(cn.Platform, "refused the stored grant", err) + " Connect it again."
			if merr := c.MarkNeedsReauth(ctx, cn.TenantID, cn.ID, msg); merr != nil {
				return Token{}, errors.Join(err, merr)
			}
			cn.Status, cn.StatusMessage = ConnectionNeedsReauth, msg
			return Token{}, err
		}
		// The platform could not refresh now; a token that still works is
		// used until it does.
		if c.DB.Now(ctx).Before(old.ExpiresAt) {
			return old, nil
		}
		return Token{}, err
	}
	if fresh.RefreshToken == "" {
		fresh.RefreshToken, fresh.RefreshExpiresAt = old.RefreshToken, old.RefreshExpiresAt
	}
	if fresh.Subject == "" {
		fresh.Subject = old.Subject
	}
	sealed, kid, err := c.sealToken(fresh)
	if err != nil {
		return Token{}, err
	}
	var stored *Connection
	err = c.DB.InTenant(ctx, cn.TenantID, func(ctx context.Context, tx bun.Tx) error {
		cur := new(Connection)
		if err := db.NotFound(tx.NewSelect().Model(cur).Where("pc.id = ?", cn.ID).For("NO KEY UPDATE").Scan(ctx), "no such connection"); err != nil {
			return err
		}
		now := c.DB.Now(ctx)
		if !bytes.Equal(cur.TokenSealed, cn.TokenSealed) {
			// Replaced meanwhile: keep the stored grant unless it is the
			// one about to expire (e.g. only re-sealed under a new key).
			if st, err := c.openToken(cur); err == nil && (st.ExpiresAt.IsZero() || st.ExpiresAt.After(now.Add(c.refreshBefore()))) {
				stored = cur
				return nil
			}
		}
		cur.TokenSealed, cur.TokenKeyID, cur.TokenExpiresAt, cur.RefreshExpiresAt, cur.UpdatedAt =
			sealed, &kid, timePtr(fresh.ExpiresAt), timePtr(fresh.RefreshExpiresAt), now
		if _, err := tx.NewUpdate().Model(cur).Column("token_sealed", "token_key_id", "token_expires_at", "refresh_expires_at", "updated_at").
			WherePK().Exec(ctx); err != nil {
			return err
		}
		stored = cur
		return nil
	})
	if err != nil {
		return Token{}, err
	}
	*cn = *stored
	if cn.Status == ConnectionNeedsReauth {
		return Token{}, &APIError{Platform: cn.Platform, Kind: ErrorAuth, Code: "NEEDS_REAUTH", Message: reauthMessage(cn)}
	}
	return c.openToken(cn)
}

// MarkNeedsReauth sets the connection NEEDS_REAUTH with message (the
// platform's words), opens its re-authorization incident (once per
// connection until resolved), sets the platform's status OUTAGE and
// publishes the change. The sync and
// action jobs call it too when a platform refuses a grant.
func (c *Connections) MarkNeedsReauth(ctx context.Context, tenant, id uuid.UUID, message string) (err error) {
	defer derrors.Wrap(&err, "platforms.Connections.MarkNeedsReauth(%v, %v)", tenant, id)
	message = clipBytes(message, maxMessage)
	return c.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		cn := new(Connection)
		if err := db.NotFound(tx.NewSelect().Model(cn).Where("pc.id = ?", id).For("NO KEY UPDATE").Scan(ctx), "no such connection"); err != nil {
			return err
		}
		now := c.DB.Now(ctx)
		changed := cn.Status != ConnectionNeedsReauth
		cn.Status, cn.StatusMessage, cn.LastError, cn.LastErrorAt, cn.UpdatedAt = ConnectionNeedsReauth, message, message, &now, now
		if _, err := tx.NewUpdate().Model(cn).Column("status", "status_message", "last_error", "last_error_at", "updated_at").WherePK().Exec(ctx); err != nil {
			return err
		}
		if c.Incidents != nil {
			if _, _, err := c.Incidents.OpenTx(ctx, tx, tenant, incidents.OpenInput{Cause: incidents.CauseConnection, Key: reauthKey(id),
				Platform: cn.Platform, Title: Name(cn.Platform) + " connection needs to be re-authorized", Severity: incidents.High,
				Details: map[string]any{"connectionId": id.String(), "message": message}}); err != nil {
				return err
			}
		}
		if !changed {
			return nil
		}
		// The platform's status follows (as a sync's outcome does): signal
		// health's platform_up sees it and platformStatusChanged tells the
		// dashboard.
		if _, err := c.Platforms.SetStatusTx(ctx, tx, tenant, cn.Platform, Outage, message); err != nil {
			return err
		}
		return publishConnection(ctx, tx, tenant, id)
	})
}

// RefreshExpiring refreshes tenant's grants that expire before now+within,
// at most limit of them, and returns how many were refreshed and the
// first error (a refusal marks its connection NEEDS_REAUTH and is not an
// error here).
func (c *Connections) RefreshExpiring(ctx context.Context, tenant uuid.UUID, within time.Duration, limit int) (n int, err error) {
	defer derrors.Wrap(&err, "platforms.Connections.RefreshExpiring(%v)", tenant)
	var cs []Connection
	err = c.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewSelect().Model(&cs).Where("NOT pc.sandbox AND pc.status <> ? AND pc.token_expires_at < ?", ConnectionNeedsReauth, c.DB.Now(ctx).Add(within)).
			OrderExpr("pc.token_expires_at, pc.id").Limit(int64(limit)).Scan(ctx)
	})
	if err != nil {
		return 0, err
	}
	var errs []error
	for i := range cs {
		tok, err := c.openToken(&cs[i])
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if _, err := c.refresh(ctx, &cs[i], tok); err != nil {
			if ErrorKindOf(err) != ErrorAuth {
				errs = append(errs, err)
			}
			continue
		}
		n++
	}
	return n, errors.Join(errs...)
}

// ResealTokens re-seals up to limit of tenant's stored grants sealed under
// a key other than the keyring's primary (key rotation) and returns how
// many it re-sealed. A grant no configured key opens is left as it is.
func (c *Connections) ResealTokens(ctx context.Context, tenant uuid.UUID, limit int) (n int, err error) {
	defer derrors.Wrap(&err, "platforms.Connections.ResealTokens(%v)", tenant)
	primary := c.Box.Primary()
	err = c.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		var cs []Connection
		if err := tx.NewSelect().Model(&cs).Column("tenant_id", "id", "token_sealed").
			Where("token_sealed IS NOT NULL AND token_key_id IS DISTINCT FROM ?", primary).
			OrderExpr("id").Limit(int64(limit)).For("NO KEY UPDATE SKIP LOCKED").Scan(ctx); err != nil {
			return err
		}
		for i := range cs {
			out, _, err := c.Box.Reseal(cs[i].TokenSealed)
			if err != nil {
				continue // no configured key opens it: leave it to be reported by its next use
			}
			if _, err := tx.NewUpdate().Model((*Connection)(nil)).Set("token_sealed = ?, token_key_id = ?", out, primary).
				Where("id = ?", cs[i].ID).Exec(ctx); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}
