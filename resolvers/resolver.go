// Package resolvers translates between GraphQL and the domain services: it
// validates input, calls a domain service and maps results to models. It
// holds no business logic.
package resolvers

import (
	"context"
	"database/sql"
	"github.com/stratumhq/stratum/domain/audiences"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/google/uuid"

	"github.com/stratumhq/stratum/domain/audit"
	"github.com/stratumhq/stratum/domain/auth"
	"github.com/stratumhq/stratum/domain/automation"
	"github.com/stratumhq/stratum/domain/billing"
	"github.com/stratumhq/stratum/domain/cdp"
	"github.com/stratumhq/stratum/domain/conversions"
	"github.com/stratumhq/stratum/domain/conversions/emq"
	"github.com/stratumhq/stratum/domain/incidents"
	"github.com/stratumhq/stratum/domain/notifications"
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
	// Auth resolves credentials (sessions and API keys; Anonymous without an auth service).
	Auth session.Authenticator
	// SecureCookies adds the Secure attribute to session cookies (outside development).
	SecureCookies bool

	watcher session.Watcher
	// loads shares each event's subscription load among this resolver's subscribers.
	loads subscription.Loads
}

// Services are the domain services resolvers call (built once, in app).
type Services struct {
	Auth    *auth.Service
	Tenancy *tenancy.Service
	Audit   *audit.Service
	// The trust engine.
	Signals    *signals.Service
	Platforms  *platforms.Service
	Incidents  *incidents.Service
	Automation *automation.Service
	// Notifications: channels and their delivery log.
	Notifications *notifications.Service
	// Billing: plans, flags and billing state; Stripe: checkout, the
	// billing portal and Stripe's webhook events.
	Billing *billing.Service
	Stripe  *billing.Stripe
	// Connections: OAuth connections to the ad platforms, their accounts
	// and the sandbox.
	Connections *platforms.Connections
	// CDP: sources and the tracking API's ingestion.
	CDP *cdp.Service
	// Traits: computed trait definitions and values.
	Traits *cdp.Traits
	// Privacy: the CDP's consent-adjacent data-subject requests (export,
	// deletion) and the suppression list.
	Privacy *cdp.Privacy
	// Segments: the CDP's saved audiences.
	Segments *cdp.Segments
	// Deliveries: conversion forwarding's delivery log and replay.
	Deliveries *conversions.Deliveries
	// ConversionDestinations: where conversions are forwarded (issue 15).
	ConversionDestinations *conversions.Destinations
	// EMQ: event match quality of forwarded conversions.
	EMQ *emq.Service
	// Audiences: segments kept in step with the platforms' customer lists.
	Audiences *audiences.Service
}

// Config is what the resolvers are built from.
type Config struct {
	DB       *db.DB
	Hub      *realtime.Hub
	Log      *slog.Logger
	Version  string
	River    *river.Client[*sql.Tx]
	Services Services
	// SecureCookies adds the Secure attribute to session cookies.
	SecureCookies bool
	// WatchInterval is how often open subscriptions re-check their
	// credential (default 1s).
	WatchInterval time.Duration
}

// New builds the root resolver over services built elsewhere (app).
func New(c Config) *Resolver {
	r := &Resolver{DB: c.DB, Hub: c.Hub, Log: c.Log, Version: c.Version, River: c.River, Svc: c.Services,
		SecureCookies: c.SecureCookies, Auth: session.Anonymous{}}
	if c.Services.Auth != nil {
		r.Auth = session.Credentials{Auth: c.Services.Auth}
		r.watcher.Auth, r.watcher.Interval = c.Services.Auth, c.WatchInterval
	}
	return r
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

// okOrNil is v when the mutation succeeded (no userErrors, no error) and nil
// otherwise: a failed mutation's payload carries no object, even when the
// domain call handed back a half-filled one beside its error.
func okOrNil[T any](v *T, ue []*model.UserError, err error) *T {
	if err != nil || len(ue) > 0 {
		return nil
	}
	return v
}
