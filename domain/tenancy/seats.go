// Seats: the members limit (domain/billing) counts members and the
// invitations that hold a seat. Inviting takes a seat (refused at the
// limit); accepting passes the invitation's seat to the new membership;
// revoking or removing gives it back. Every move happens in the
// transaction of the change it counts, so the counter never drifts and
// concurrent invitations never overshoot the limit. An invitation that
// expires gives its seat back in the next reservation's transaction, before
// the limit is checked; until then reads discount it without writing.

package tenancy

import (
	"context"
	"database/sql"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/billing"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/derrors"
)

// limits is the billing service seats are counted with; without
// Service.Billing every count fails with errNoBilling (app.NewServices
// always sets it).
func (s *Service) limits() Billing {
	if s.Billing != nil {
		return s.Billing
	}
	return noBilling{}
}

// noBilling answers errNoBilling to everything.
type noBilling struct{}

func (noBilling) StartTrialTx(context.Context, bun.Tx, uuid.UUID) error { return errNoBilling }
func (noBilling) PlanTx(context.Context, bun.IDB, uuid.UUID) (billing.Plan, error) {
	return "", errNoBilling
}
func (noBilling) ReserveTx(context.Context, bun.Tx, uuid.UUID, billing.Limit, int64) error {
	return errNoBilling
}
func (noBilling) ReleaseTx(context.Context, bun.Tx, uuid.UUID, billing.Limit, int64) error {
	return errNoBilling
}
func (noBilling) UsageTx(context.Context, bun.Tx, uuid.UUID) ([]billing.Usage, error) {
	return nil, errNoBilling
}

// takeSeatTx reserves one member seat in tx; at the limit it answers the
// limit's BAD_USER_INPUT on field. The seats of expired invitations are
// given back first, in the same transaction, so an expired invitation
// never stands in the way of a new one.
func (s *Service) takeSeatTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, field []string) error {
	if err := s.releaseExpiredSeatsTx(ctx, tx, tenant); err != nil {
		return err
	}
	err := s.limits().ReserveTx(ctx, tx, tenant, billing.Members, 1)
	if e, ok := apperr.As(err); ok && e.Code == apperr.BadUserInput {
		e.Field = field
	}
	return err
}

// releaseExpiredSeatsTx gives back the seats of invitations that expired.
// Expiry is a time, not an event: it is settled here, by the next seat
// reservation (takeSeatTx), each seat exactly once (holds_seat is cleared
// under the row's lock). Reads never write: Usage discounts the expired
// holds instead (expiredHoldsTx).
func (s *Service) releaseExpiredSeatsTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID) error {
	var ids []uuid.UUID
	if err := tx.NewRaw("UPDATE invites SET holds_seat = false WHERE holds_seat AND expires_at < ? RETURNING id",
		s.DB.Now(ctx)).Scan(ctx, &ids); err != nil {
		return err
	}
	return s.limits().ReleaseTx(ctx, tx, tenant, billing.Members, int64(len(ids)))
}

// expiredHoldsTx counts the invitations that expired still holding a seat
// (the seats the next reservation gives back).
func (s *Service) expiredHoldsTx(ctx context.Context, tx bun.Tx) (n int64, err error) {
	err = tx.NewRaw("SELECT count(*) FROM invites WHERE holds_seat AND expires_at < ?", s.DB.Now(ctx)).Scan(ctx, &n)
	return n, err
}

// Usage lists the tenant's use of every counted plan limit
// (billing.Service.UsageTx). It writes nothing: the members counter still
// holds the seats of invitations that expired since the last reservation,
// so those are subtracted from what it shows.
func (s *Service) Usage(ctx context.Context, tenant uuid.UUID) (us []billing.Usage, err error) {
	defer derrors.Wrap(&err, "tenancy.Service.Usage(%v)", tenant)
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		if us, err = s.limits().UsageTx(ctx, tx, tenant); err != nil {
			return err
		}
		expired, err := s.expiredHoldsTx(ctx, tx)
		if err != nil {
			return err
		}
		for i := range us {
			if us[i].Key == billing.Members {
				us[i].Used = max(us[i].Used-expired, 0)
			}
		}
		return nil
	})
	return us, err
}

// passSeatTx settles the seat when an invitation is accepted: the
// invitation's seat (held) passes to the membership inserted (res: one row,
// or none when the user was already a member). An invitation that held no
// seat takes one now; a seat with no new membership is given back.
func (s *Service) passSeatTx(ctx context.Context, tx bun.Tx, tenant uuid.UUID, held bool, res sql.Result) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	switch {
	case n == 1 && !held:
		return s.takeSeatTx(ctx, tx, tenant, nil)
	case n == 0 && held:
		return s.limits().ReleaseTx(ctx, tx, tenant, billing.Members, 1)
	}
	return nil
}
