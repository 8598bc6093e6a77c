package notifications

import (
	"context"
	"errors"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/internal/derrors"
)

// Resealer is a Sealer that can move a value to its primary key
// (auth.Box, the STRATUM_ENCRYPTION_KEY keyring).
type Resealer interface {
	Reseal(sealed []byte) (out []byte, changed bool, err error)
}

// ResealSecrets re-seals, under the primary key of s.Box, the channel
// secrets of up to limit of tenant's channels after the id after (in id
// order) that a key rotation left under an older key. It returns the last
// id read (uuid.Nil when there are no more) and how many it re-sealed; a
// secret no configured key opens is left alone. The secrets.reencrypt job
// pages through every channel with it.
func (s *Service) ResealSecrets(ctx context.Context, tenant, after uuid.UUID, limit int) (next uuid.UUID, n int, err error) {
	defer derrors.Wrap(&err, "notifications.Service.ResealSecrets(%v)", tenant)
	box, ok := s.Box.(Resealer)
	if !ok {
		return uuid.Nil, 0, errors.New("the channel secrets' box cannot re-seal")
	}
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		var rows []struct {
			ID     uuid.UUID `bun:"id"`
			Secret []byte    `bun:"secret"`
		}
		if err := tx.NewRaw(`SELECT id, secret FROM notification_channels WHERE secret IS NOT NULL AND id > ? ORDER BY id LIMIT ? FOR NO KEY UPDATE SKIP LOCKED`,
			after, limit).Scan(ctx, &rows); err != nil {
			return err
		}
		for _, r := range rows {
			next = r.ID
			out, changed, err := box.Reseal(r.Secret)
			if err != nil || !changed {
				continue
			}
			if _, err := tx.ExecContext(ctx, `UPDATE notification_channels SET secret = ? WHERE id = ?`, out, r.ID); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return next, n, err
}
