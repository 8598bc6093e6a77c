package conversions

import (
	"context"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/internal/derrors"
)

// ResealCredentials re-seals, under the primary key of s.Box, the
// credentials of up to limit of tenant's destinations after the id after
// (in id order) that a key rotation left under an older key. It returns
// the last id read (uuid.Nil when there are no more) and how many it
// re-sealed; credentials no configured key opens are left alone. The
// secrets.reencrypt job pages through every destination with it.
func (s *Destinations) ResealCredentials(ctx context.Context, tenant, after uuid.UUID, limit int) (next uuid.UUID, n int, err error) {
	defer derrors.Wrap(&err, "conversions.Destinations.ResealCredentials(%v)", tenant)
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		var rows []struct {
			ID          uuid.UUID `bun:"id"`
			Credentials []byte    `bun:"credentials"`
		}
		if err := tx.NewRaw(`SELECT id, credentials FROM conversion_destinations WHERE tenant_id = ? AND id > ? ORDER BY id LIMIT ? FOR NO KEY UPDATE SKIP LOCKED`,
			tenant, after, limit).Scan(ctx, &rows); err != nil {
			return err
		}
		for _, r := range rows {
			next = r.ID
			out, changed, err := s.Box.Reseal(r.Credentials)
			if err != nil || !changed {
				continue
			}
			if _, err := tx.ExecContext(ctx, `UPDATE conversion_destinations SET credentials = ? WHERE tenant_id = ? AND id = ?`, out, tenant, r.ID); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return next, n, err
}
