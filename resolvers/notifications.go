package resolvers

import (
	"context"

	"github.com/google/uuid"

	"github.com/stratumhq/stratum/domain/auth"
	"github.com/stratumhq/stratum/domain/notifications"
	"github.com/stratumhq/stratum/graph/model"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/relay"
)

func channelModel(c *notifications.Channel) *model.NotificationChannel {
	if c == nil {
		return nil
	}
	s := c.Subscriptions
	return &model.NotificationChannel{ID: relay.GlobalID(relay.TypeNotificationChannel, c.ID), Kind: c.Kind, Name: c.Name, Target: c.Target,
		Enabled: c.Enabled, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt,
		Subscriptions: &model.NotificationSubscriptions{IncidentsOpened: s.IncidentsOpened, IncidentsClosed: s.IncidentsClosed,
			MinIncidentSeverity: s.MinSeverity, ActionsAwaitingApproval: s.Approvals, AutopilotModeChanges: s.Autopilot, DailyDigest: s.DailyDigest}}
}

func deliveryModel(d *notifications.Delivery) *model.NotificationDelivery {
	if d == nil {
		return nil
	}
	return &model.NotificationDelivery{ID: relay.GlobalID(relay.TypeNotificationDelivery, d.ID), Event: d.Event, Status: d.Status,
		Title: d.Message.Title, Text: d.Message.Text, URL: d.Message.URL, Attempts: d.Attempts, ResponseCode: d.ResponseCode,
		LastError: d.LastError, CreatedAt: d.CreatedAt, LastAttemptAt: d.LastAttemptAt, SentAt: d.SentAt, ChannelID: d.ChannelID}
}

func subscriptionsArg(in *model.NotificationSubscriptionsInput) *notifications.Subscriptions {
	if in == nil {
		return nil
	}
	return &notifications.Subscriptions{IncidentsOpened: in.IncidentsOpened, IncidentsClosed: in.IncidentsClosed, MinSeverity: in.MinIncidentSeverity,
		Approvals: in.ActionsAwaitingApproval, Autopilot: in.AutopilotModeChanges, DailyDigest: in.DailyDigest}
}

// withChannels fills the deliveries' channels with one query.
func (r *Resolver) withChannels(ctx context.Context, tenant uuid.UUID, ds []*model.NotificationDelivery) error {
	ids := make([]uuid.UUID, 0, len(ds))
	seen := map[uuid.UUID]bool{}
	for _, d := range ds {
		if !seen[d.ChannelID] {
			seen[d.ChannelID] = true
			ids = append(ids, d.ChannelID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	chs, err := r.Svc.Notifications.ChannelsByID(ctx, tenant, ids)
	if err != nil {
		return err
	}
	for _, d := range ds {
		if c, ok := chs[d.ChannelID]; ok {
			d.Channel = channelModel(c)
		}
	}
	return nil
}

// loadNotificationNode fetches channels and deliveries for node(id:), with
// the permissions of their list fields (ADMIN; ok is false for other types).
func (r *Resolver) loadNotificationNode(ctx context.Context, tenant uuid.UUID, typ string, id uuid.UUID) (model.Node, bool, error) {
	if typ != relay.TypeNotificationChannel && typ != relay.TypeNotificationDelivery {
		return nil, false, nil
	}
	if p, _ := principalOf(ctx); mayRead(p, auth.RoleAdmin, auth.ScopeAdmin) != nil || r.Svc.Notifications == nil {
		return nil, true, apperr.NotFoundf("no object with this id")
	}
	if typ == relay.TypeNotificationChannel {
		m, err := r.Svc.Notifications.ChannelsByID(ctx, tenant, []uuid.UUID{id})
		if err != nil || m[id] == nil {
			return nil, true, notFoundOr(err)
		}
		return channelModel(m[id]), true, nil
	}
	m, err := r.Svc.Notifications.DeliveriesByID(ctx, tenant, []uuid.UUID{id})
	if err != nil || m[id] == nil {
		return nil, true, notFoundOr(err)
	}
	d := deliveryModel(m[id])
	return d, true, r.withChannels(ctx, tenant, []*model.NotificationDelivery{d})
}

func notFoundOr(err error) error {
	if err != nil {
		return err
	}
	return apperr.NotFoundf("no object with this id")
}
