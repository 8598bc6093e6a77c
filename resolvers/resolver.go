// Package resolvers translates between GraphQL and the domain services: it
// validates input, calls a domain service and maps results to models. It
// holds no business logic.
package resolvers

import (
	"context"
	"database/sql"

	"log/slog"

	"github.com/riverqueue/river"

	"github.com/google/uuid"

	"github.com/stratumhq/stratum/domain/audit"
	"github.com/stratumhq/stratum/domain/auth"
	"github.com/stratumhq/stratum/domain/automation"
	"github.com/stratumhq/stratum/domain/incidents"
	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/domain/realtime"
	"github.com/stratumhq/stratum/domain/signals"
	"github.com/stratumhq/stratum/domain/tenancy"
	"github.com/stratumhq/stratum/graph/model"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/db"
	"github.com/stratumhq/stratum/internal/session"
	"github.com/stratumhq/stratum/internal/subscription"
)

// Resolver is the root resolver; its fields are the services resolvers call.
type Resolver struct {
	DB      *db.DB
	Hub     *realtime.Hub
	Log     *slog.Logger
	Version string
	Svc     Services
	// River inserts jobs (InsertTx joins a tenant transaction).
	River *river.Client[*sql.Tx]
	// Auth resolves credentials; Anonymous until UseIdentity installs sessions and API keys.
	Auth session.Authenticator
	// Identity holds the identity services and settings (UseIdentity).
	Identity Identity

	watcher session.Watcher
	// loads shares each event's subscription load among this resolver's subscribers.
	loads subscription.Loads
}

// Services are the domain services resolvers call.
type Services struct {
	Auth    *auth.Service
	Tenancy *tenancy.Service
	Audit   *audit.Service
	// The trust engine (set by UseTrust).
	Signals    *signals.Service
	Platforms  *platforms.Service
	Incidents  *incidents.Service
	Automation *automation.Service
}

// New wires the services over d and hub.
func New(d *db.DB, hub *realtime.Hub, log *slog.Logger, version string) *Resolver {
	return &Resolver{DB: d, Hub: hub, Log: log, Version: version, Auth: session.Anonymous{}, Svc: Services{Audit: &audit.Service{DB: d}}}
}

// tenantOf returns the principal's tenant or UNAUTHENTICATED.
func tenantOf(ctx context.Context) (uuid.UUID, error) {
	p, ok := auth.FromContext(ctx)
	if !ok || p.TenantID == uuid.Nil {
		return uuid.Nil, apperr.Unauthenticatedf("sign in to use this field")
	}
	return p.TenantID, nil
}

// userErrors splits err: typed client errors become userErrors of a
// payload, anything else stays an operation error.
func userErrors(err error) ([]*model.UserError, error) {
	if err == nil {
		return []*model.UserError{}, nil
	}
	e, ok := apperr.As(err)
	if !ok || e.Code == apperr.Internal || e.Code == apperr.Unauthenticated || e.Code == apperr.Throttled {
		return nil, err
	}
	return []*model.UserError{{Field: e.Field, Message: e.Message, Code: e.Code}}, nil
}
