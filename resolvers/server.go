package resolvers

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/google/uuid"

	"github.com/stratumhq/stratum/domain/auth"
	"github.com/stratumhq/stratum/domain/automation"
	"github.com/stratumhq/stratum/domain/cdp"
	"github.com/stratumhq/stratum/domain/incidents"
	"github.com/stratumhq/stratum/domain/notifications"
	"github.com/stratumhq/stratum/domain/signals"
	"github.com/stratumhq/stratum/graph"
	"github.com/stratumhq/stratum/graph/model"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/gqlserver"
	"github.com/stratumhq/stratum/internal/relay"
)

// Authenticator returns a view that always uses r.Auth as it is at request time.
func (r *Resolver) Authenticator() interface {
	Authenticate(r *http.Request) (context.Context, error)
} {
	return dynamicAuth{r}
}

type dynamicAuth struct{ r *Resolver }

func (d dynamicAuth) Authenticate(req *http.Request) (context.Context, error) {
	return d.r.Auth.Authenticate(req)
}

// WebsocketInit authenticates connection_init. A present but invalid
// credential closes the socket with 4401 (graphql-ws clients then stop
// retrying) rather than 1000 (which makes them loop). A credential that
// could not be checked (the database is down) closes it with 1013 "try
// again later", which graphql-ws clients retry, and never shows the
// cause's text (gqlgen sends the error's text to legacy clients).
func (r *Resolver) WebsocketInit(ctx context.Context, payload transport.InitPayload) (context.Context, *transport.InitPayload, error) {
	actx, err := r.Auth.AuthenticateInit(ctx, payload)
	if err == nil {
		return r.watcher.WatchSocket(actx), nil, nil
	}
	if e, ok := apperr.As(err); ok && e.Code == apperr.Unauthenticated {
		return ctx, nil, &gqlserver.InitError{Code: 4401, Reason: "Unauthorized", Message: e.Message}
	}
	r.Log.ErrorContext(ctx, "websocket authentication unavailable", "err", err)
	return ctx, nil, &gqlserver.InitError{Code: websocketTryAgainLater, Reason: "Try again later",
		Message: "the server cannot check credentials right now; try again shortly"}
}

// websocketTryAgainLater is RFC 6455's 1013: graphql-ws clients reconnect
// after it (they give up after 4401 and 4500).
const websocketTryAgainLater = 1013

// Directives implements the schema's directives (docs/permissions.md).
func (r *Resolver) Directives() graph.DirectiveRoot {
	return graph.DirectiveRoot{
		Authenticated: func(ctx context.Context, obj any, next graphql.Resolver) (any, error) {
			if _, err := principalOf(ctx); err != nil {
				return nil, err
			}
			return next(ctx)
		},
		// Every field with @hasScope also has @hasRole; each directive
		// applies the whole rule (auth.Authorize) with both arguments.
		HasRole: func(ctx context.Context, obj any, next graphql.Resolver, role auth.Role) (any, error) {
			return authorized(ctx, next, role, auth.Scope(directiveArg(ctx, "hasScope", "scope")))
		},
		HasScope: func(ctx context.Context, obj any, next graphql.Resolver, scope auth.Scope) (any, error) {
			return authorized(ctx, next, auth.Role(directiveArg(ctx, "hasRole", "role")), scope)
		},
		Feature: func(ctx context.Context, obj any, next graphql.Resolver, key string) (any, error) {
			return r.featureGate(ctx, next, key)
		},
		Operator: func(ctx context.Context, obj any, next graphql.Resolver) (any, error) {
			p, err := principalOf(ctx)
			if err != nil {
				return nil, err
			}
			if !p.IsUser() || !p.Operator {
				return nil, apperr.Forbiddenf("only platform operators can use this field")
			}
			return next(ctx)
		},
	}
}

// authorized resolves the field with next when the principal passes
// auth.Authorize(role, scope).
func authorized(ctx context.Context, next graphql.Resolver, role auth.Role, scope auth.Scope) (any, error) {
	p, err := principalOf(ctx)
	if err != nil {
		return nil, err
	}
	if err := auth.Authorize(p, role, scope); err != nil {
		return nil, err
	}
	return next(ctx)
}

// directiveArg returns the raw value of the argument arg of the directive
// name on the field being resolved ("" when the field lacks it).
func directiveArg(ctx context.Context, name, arg string) string {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || fc.Field.Definition == nil {
		return ""
	}
	d := fc.Field.Definition.Directives.ForName(name)
	if d == nil {
		return ""
	}
	if a := d.Arguments.ForName(arg); a != nil && a.Value != nil {
		return a.Value.Raw
	}
	return ""
}

// Complexity weighs connections by their page size, so asking for 100
// items of a connection costs 100 times its selection.
func Complexity() graph.ComplexityRoot {
	var c graph.ComplexityRoot
	conn := func(child int, first *int, _ *string, last *int, _ *string) int {
		return relay.Complexity(child, first, last)
	}
	// nodes(ids:) looks up every id: each costs an object and its
	// selection, as node(id:) does (more than MaxPageSize ids are refused
	// by the resolver, or here by the complexity limit).
	c.Query.Nodes = func(child int, ids []string) int {
		return max(1, min(len(ids), 1<<20)) * (1 + min(child, 1<<10))
	}
	c.Query.Members = conn
	c.Query.Invites = conn
	c.Query.APIKeys = conn
	c.Query.NotificationChannels = conn
	c.Query.Sources = func(child int, first *int, _ *string) int { return relay.Complexity(child, first, nil) }
	c.Query.NotificationDeliveries = func(child int, _ *string, _ []notifications.Status, first *int, _ *string, last *int, _ *string) int {
		return relay.Complexity(child, first, last)
	}
	c.Query.AuditLog = func(child int, first *int, _ *string, _ *model.AuditLogFilter) int {
		return relay.Complexity(child, first, nil)
	}
	c.Query.AutomationRules = func(child int, _, _ *bool, first *int, _ *string, last *int, _ *string) int {
		return relay.Complexity(child, first, last)
	}
	c.AutomationRule.Activity = func(child int, _ []automation.ActivityKind, first *int, _ *string, last *int, _ *string) int {
		return relay.Complexity(child, first, last)
	}
	c.Query.Actions = func(child int, _ *automation.Phase, _ []automation.ActionStatus, _, _ *string, first *int, _ *string, last *int, _ *string) int {
		return relay.Complexity(child, first, last)
	}
	// An action's gate timeline is a list of up to TimelineLimit entries.
	c.Action.GateDecisions = func(child int) int {
		limit := automation.TimelineLimit
		return relay.Complexity(child, &limit, nil)
	}
	c.Query.Incidents = func(child int, _ []incidents.State, _ []incidents.Severity, _ *model.Platform, first *int, _ *string, last *int, _ *string) int {
		return relay.Complexity(child, first, last)
	}
	c.Query.TrustAuditLog = func(child int, _ *automation.Decision, _, _ *string, _ *bool, _ *time.Time, first *int, _ *string, last *int, _ *string) int {
		return relay.Complexity(child, first, last)
	}
	c.Query.Campaigns = func(child int, _ *model.Platform, _ *model.CampaignStatus, _ *string, _ *model.CampaignOrder, first *int, _ *string, last *int, _ *string) int {
		return relay.Complexity(child, first, last)
	}
	c.Query.SignalHealthHistory = func(child int, _ *model.Platform, _, _ *time.Time, _ *signals.Granularity, first *int, _ *string, last *int, _ *string) int {
		return relay.Complexity(child, first, last)
	}
	// CDP profiles: a page of profiles and a profile's timeline page (its
	// merge history and refused links, one query each, cost their selection).
	c.Query.Profiles = func(child int, _ *model.ProfileFilter, first *int, _ *string) int {
		return relay.Complexity(child, first, nil)
	}
	c.Profile.Events = func(child int, first *int, _ *string, _ *model.EventType, _ *string) int {
		return relay.Complexity(child, first, nil)
	}
	// Segments: a page of segments, a segment's members (each reads its
	// profile) and a preview's sample of cdp.PreviewSampleSize profiles.
	c.Query.Segments = func(child int, first *int, _ *string) int { return relay.Complexity(child, first, nil) }
	c.Query.Deliveries = func(child int, _ string, _ *model.ConversionDeliveryStatus, _ *string, first *int, _ *string) int {
		return relay.Complexity(child, first, nil)
	}
	c.Segment.Members = func(child int, first *int, _ *string) int { return relay.Complexity(child, first, nil) }
	c.Query.PreviewSegment = func(child int, _ model.SegmentRuleInput) int {
		sample := cdp.PreviewSampleSize
		return relay.Complexity(child, &sample, nil)
	}
	return c
}

// SubscriptionGroupKey is the effective-permission part of a subscription
// group's key (gqlserver.SubscriptionGroups): everything the schema's
// directives and the resolvers decide by — the tenant, whether a user or
// an API key asks, the role, the scopes, the operator flag, the MFA state,
// and the tenant's effective plan and enabled flags read now (a flag
// turned off makes later subscribers a new group, whose @feature check
// refuses them, instead of joining one started while it was on).
// Subscribers who differ in any of these never share a group; anonymous
// callers, and callers whose entitlements cannot be read, are not grouped.
// No subscription payload reaches a field that depends on which user asks
// (TestSubscriptionPayloadsAreNotUserSpecific keeps it so).
func (r *Resolver) SubscriptionGroupKey(ctx context.Context) (string, bool) {
	p, ok := auth.FromContext(ctx)
	if !ok || p.TenantID == uuid.Nil {
		return "", false
	}
	e, err := r.entitlements(ctx, p.TenantID)
	if err != nil {
		return "", false
	}
	var flags []string
	for _, f := range e.Features() {
		if f.Enabled {
			flags = append(flags, string(f.Key))
		}
	}
	scopes := slices.Clone(p.Scopes)
	slices.Sort(scopes)
	return fmt.Sprintf("%s|user=%t|%s|%s|op=%t|mfa=%t/%t|%s|%s", p.TenantID, p.IsUser(), p.Role, strings.Join(scopes, ","),
		p.Operator, p.MFA, p.MFARequired, e.Plan, strings.Join(flags, ",")), true
}
