// Package audit owns the audit log: one entry per mutation, sign-in and
// sign-out, MFA change and API-key event, written in the same transaction
// as the change it records (so a rolled-back change leaves no entry and a
// committed one always has one). Tenant entries live in audit_log (RLS);
// actions without a tenant (platform operators, failed log-ins of unknown
// accounts) in platform_audit_log (auth.Service.PlatformAudit). Every domain
// service calls Record.
package audit

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/auth"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/db"
	"github.com/stratumhq/stratum/internal/derrors"
	"github.com/stratumhq/stratum/internal/relay"
)

// Outcomes of an audited action.
const (
	Success = "SUCCESS"
	Failure = "FAILURE"
	Denied  = "DENIED"
)

// Actor types.
const (
	ActorUser      = "USER"
	ActorAPIKey    = "API_KEY"
	ActorOperator  = "OPERATOR"
	ActorSystem    = "SYSTEM"
	ActorAnonymous = "ANONYMOUS"
)

// Entry is one row of the audit log.
type Entry struct {
	bun.BaseModel `bun:"table:audit_log"`
	TenantID      uuid.UUID      `bun:"tenant_id,pk"`
	ID            uuid.UUID      `bun:"id,pk"`
	ActorType     string         `bun:"actor_type"`
	ActorID       uuid.UUID      `bun:"actor_id,nullzero"`
	ActorEmail    string         `bun:"actor_email,nullzero"`
	Action        string         `bun:"action"`
	TargetType    string         `bun:"target_type,nullzero"`
	TargetID      uuid.UUID      `bun:"target_id,nullzero"`
	IP            string         `bun:"ip,nullzero"`
	UserAgent     string         `bun:"user_agent,nullzero"`
	Outcome       string         `bun:"outcome"`
	Details       map[string]any `bun:"details,type:jsonb,nullzero"`
	CreatedAt     time.Time      `bun:"created_at"`
}

// Record writes e in tx (a tenant transaction of e.TenantID, whose fn
// context ctx is). Its time is the transaction's (db.DB.Now); actor, IP and
// user agent default to the request's principal and client; Outcome to
// SUCCESS.
func Record(ctx context.Context, tx bun.IDB, e Entry) (err error) {
	defer derrors.Wrap(&err, "audit.Record(%v, %s)", e.TenantID, e.Action)
	fill(ctx, &e)
	_, err = tx.NewInsert().Model(&e).Exec(ctx)
	return err
}

func fill(ctx context.Context, e *Entry) {
	e.ID = uuid.New()
	e.CreatedAt = db.TxNow(ctx)
	if e.Outcome == "" {
		e.Outcome = Success
	}
	if e.ActorType == "" {
		e.ActorType = ActorAnonymous
		if p, ok := auth.FromContext(ctx); ok {
			switch {
			case p.IsUser():
				e.ActorType, e.ActorID = ActorUser, p.UserID
			case p.APIKeyID != uuid.Nil:
				e.ActorType, e.ActorID = ActorAPIKey, p.APIKeyID
			}
		}
	}
	c := auth.ClientFrom(ctx)
	if e.IP == "" {
		e.IP = c.IP
	}
	if e.UserAgent == "" {
		e.UserAgent = truncate(c.UserAgent, 500)
	}
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// Filter narrows auditLog.
type Filter struct {
	Actions []string
	ActorID uuid.UUID
	Outcome string
	Since   *time.Time
	Until   *time.Time
}

// The actions filter's bounds (each action goes into the statement).
const (
	maxFilterActions = 100
	maxActionLength  = 100
)

// Service reads the audit log.
type Service struct{ DB *db.DB }

// List pages tenant's entries, newest first.
func (s *Service) List(ctx context.Context, tenant uuid.UUID, args relay.Args, f Filter) (page *relay.Page[Entry], err error) {
	defer derrors.Wrap(&err, "audit.Service.List(%v)", tenant)
	if len(f.Actions) > maxFilterActions {
		return nil, apperr.Invalid([]string{"filter", "actions"}, "give at most %d actions", maxFilterActions)
	}
	for i, a := range f.Actions {
		if len(a) > maxActionLength {
			return nil, apperr.Invalid([]string{"filter", "actions", strconv.Itoa(i)}, "an action is at most %d characters", maxActionLength)
		}
	}
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		q := tx.NewSelect().Model((*Entry)(nil))
		if len(f.Actions) > 0 {
			q = q.Where("action IN (?)", bun.List(f.Actions))
		}
		if f.ActorID != uuid.Nil {
			q = q.Where("actor_id = ?", f.ActorID)
		}
		if f.Outcome != "" {
			q = q.Where("outcome = ?", f.Outcome)
		}
		if f.Since != nil {
			q = q.Where("created_at >= ?", *f.Since)
		}
		if f.Until != nil {
			q = q.Where("created_at < ?", *f.Until)
		}
		page, err = relay.Paginate(ctx, q, args, "created_at", "id",
			func(e *Entry) relay.Cursor { return relay.Cursor{At: e.CreatedAt, ID: e.ID} })
		if err != nil {
			return err
		}
		return fillEmails(ctx, tx, page.Items)
	})
	return page, err
}

// fillEmails sets the actor email of user entries recorded without one
// (most mutations know only the user's id) from domain/auth, in one query
// per page.
func fillEmails(ctx context.Context, tx bun.Tx, es []Entry) error {
	var ids []uuid.UUID
	for _, e := range es {
		if e.ActorType == ActorUser && e.ActorEmail == "" && e.ActorID != uuid.Nil {
			ids = append(ids, e.ActorID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	users, err := auth.UserFactsTx(ctx, tx, ids)
	if err != nil {
		return fmt.Errorf("actor emails: %w", err)
	}
	for i := range es {
		if es[i].ActorType == ActorUser && es[i].ActorEmail == "" {
			es[i].ActorEmail = users[es[i].ActorID].Email
		}
	}
	return nil
}

// Get returns one entry, or NOT_FOUND.
func (s *Service) Get(ctx context.Context, tenant, id uuid.UUID) (_ *Entry, err error) {
	defer derrors.Wrap(&err, "audit.Service.Get(%v, %v)", tenant, id)
	e := new(Entry)
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		if err := db.ScanByID(ctx, tx, e, id, db.NoLock, "audit entry not found"); err != nil {
			return err
		}
		es := []Entry{*e}
		if err := fillEmails(ctx, tx, es); err != nil {
			return err
		}
		*e = es[0]
		return nil
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// ForAuth records domain/auth's AuditRecords as entries (auth cannot import this package).
func ForAuth(ctx context.Context, tx bun.IDB, e auth.AuditRecord) error {
	return Record(ctx, tx, Entry{TenantID: e.TenantID, ActorType: e.ActorType, ActorID: e.ActorID, ActorEmail: e.ActorEmail,
		Action: e.Action, TargetType: e.TargetType, TargetID: e.TargetID, Outcome: e.Outcome, Details: e.Details})
}

// Forget unlinks the entries about targets whose data was erased (a
// person deleted on a GDPR/CCPA request, docs/adr/0018): the entries stay
// (who did what, when) while their target id and details, which may name
// the person, are cleared. It runs in the erasing transaction tx.
func Forget(ctx context.Context, tx bun.IDB, tenant uuid.UUID, targetType string, ids []uuid.UUID) (err error) {
	defer derrors.Wrap(&err, "audit.Forget(%v, %s, %d ids)", tenant, targetType, len(ids))
	if len(ids) == 0 {
		return nil
	}
	_, err = tx.NewUpdate().Model((*Entry)(nil)).
		Set("target_id = NULL").Set("details = jsonb_build_object('erased', true)").
		Where("tenant_id = ?", tenant).Where("target_type = ?", targetType).Where("target_id IN (?)", bun.In(ids)).
		Exec(ctx)
	return err
}
