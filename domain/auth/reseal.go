package auth

import (
	"context"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/internal/derrors"
)

// ResealMFASecrets re-seals, under the primary key of s.Box, the TOTP
// secrets of up to limit users after the id after (in id order) that a
// key rotation left under an older key (or in the format without a key
// id). It returns the last id read (uuid.Nil when there are no more) and
// how many it re-sealed; a secret no configured key opens is left alone.
// The secrets.reencrypt job pages through every user with it.
func (s *Service) ResealMFASecrets(ctx context.Context, after uuid.UUID, limit int) (next uuid.UUID, n int, err error) {
	defer derrors.Wrap(&err, "auth.Service.ResealMFASecrets")
	err = s.DB.InGlobal(ctx, func(ctx context.Context, tx bun.Tx) error {
		var rows []struct {
			ID     uuid.UUID `bun:"id"`
			Secret []byte    `bun:"mfa_secret"`
		}
		if err := tx.NewRaw(`SELECT id, mfa_secret FROM users WHERE mfa_secret IS NOT NULL AND id > ? ORDER BY id LIMIT ? FOR NO KEY UPDATE SKIP LOCKED`,
			after, limit).Scan(ctx, &rows); err != nil {
			return err
		}
		for _, r := range rows {
			next = r.ID
			out, changed, err := s.Box.Reseal(r.Secret)
			if err != nil || !changed {
				continue
			}
			if _, err := tx.ExecContext(ctx, `UPDATE users SET mfa_secret = ? WHERE id = ?`, out, r.ID); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return next, n, err
}
