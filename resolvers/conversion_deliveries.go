package resolvers

import (
	"context"

	"github.com/google/uuid"

	"github.com/stratumhq/stratum/domain/conversions"
	"github.com/stratumhq/stratum/graph/model"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/relay"
)

// This file maps conversion forwarding's delivery log and replay
// (graph/conversion_deliveries.graphqls, docs/adr/0022) between GraphQL
// and the domain.

// deliveries is the delivery pipeline.
func (r *Resolver) deliveries() (*conversions.Deliveries, error) {
	if r.Svc.Deliveries == nil {
		return nil, apperr.New(apperr.Internal, "conversion forwarding is not configured")
	}
	return r.Svc.Deliveries, nil
}

func conversionDeliveryModel(x *conversions.Delivery) *model.ConversionDelivery {
	out := &model.ConversionDelivery{ID: relay.GlobalID(relay.TypeConversionDelivery, x.ID),
		DestinationID: relay.GlobalID(relay.TypeConversionDestination, x.DestinationID), MessageID: x.MessageID,
		Status: model.ConversionDeliveryStatus(x.Status), Attempts: x.Attempts, EventName: x.EventName, SourceEvent: x.SourceEvent,
		EventTime: x.EventTime, RequestSummary: x.RequestSummary, Response: x.Response, ErrorCode: x.ErrorCode,
		LatencyMs: x.LatencyMs, NextAttemptAt: x.NextAttemptAt, CreatedAt: x.CreatedAt, UpdatedAt: x.UpdatedAt, SentAt: x.SentAt}
	if x.LegalBasis != nil {
		b := model.ConversionLegalBasis(*x.LegalBasis)
		out.LegalBasis = &b
	}
	return out
}

// conversionDeliveries answers deliveries. A destination of another
// tenant (or none) has an empty log, as an unknown id has.
func (r *Resolver) conversionDeliveries(ctx context.Context, destinationID string, status *model.ConversionDeliveryStatus,
	eventName *string, first *int, after *string) (*model.ConversionDeliveryConnection, error) {
	svc, err := r.deliveries()
	if err != nil {
		return nil, err
	}
	dest, err := relay.ParseTypedID(destinationID, relay.TypeConversionDestination, "destinationId")
	if err != nil {
		return nil, err
	}
	f := conversions.DeliveryFilter{Destination: dest}
	if status != nil {
		f.Status = conversions.Status(*status)
	}
	if eventName != nil {
		f.EventName = *eventName
	}
	list := func(ctx context.Context, tenant uuid.UUID, args relay.Args) (*relay.Page[conversions.Delivery], error) {
		page, err := svc.List(ctx, tenant, f, args)
		if apperr.CodeOf(err) == apperr.NotFound {
			return &relay.Page[conversions.Delivery]{}, nil
		}
		return page, err
	}
	queued := 0
	if selects(ctx, "queuedEvents") {
		tenant, err := tenantOf(ctx)
		if err != nil {
			return nil, err
		}
		if queued, err = svc.Queued(ctx, tenant, dest); err != nil {
			return nil, err
		}
	}
	return connection(ctx, pageArgs(first, after, nil, nil), list,
		func(x *conversions.Delivery, c string) *model.ConversionDeliveryEdge {
			return &model.ConversionDeliveryEdge{Cursor: c, Node: conversionDeliveryModel(x)}
		},
		func(e []*model.ConversionDeliveryEdge, info *relay.PageInfo, n int) *model.ConversionDeliveryConnection {
			return &model.ConversionDeliveryConnection{Edges: e, PageInfo: info, TotalCount: n, QueuedEvents: queued}
		})
}

// replayDeliveries answers replayDeliveries.
func (r *Resolver) replayDeliveries(ctx context.Context, input model.ReplayDeliveriesInput) (*model.ReplayDeliveriesPayload, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	failed := func(err error) (*model.ReplayDeliveriesPayload, error) {
		ue, err := userErrors(err)
		return &model.ReplayDeliveriesPayload{UserErrors: ue}, err
	}
	svc, err := r.deliveries()
	if err != nil {
		return nil, err
	}
	dest, err := relay.ParseTypedID(input.DestinationID, relay.TypeConversionDestination, "input", "destinationId")
	if err != nil {
		return failed(err)
	}
	in := conversions.ReplayInput{Destination: dest, From: input.From, To: input.To}
	if input.Status != nil {
		in.Status = conversions.Status(*input.Status)
	}
	n, err := svc.Replay(ctx, tenant, in)
	if err != nil {
		return failed(err) // another tenant's destination is NOT_FOUND, as one that does not exist
	}
	return &model.ReplayDeliveriesPayload{Count: n, UserErrors: []*model.UserError{}}, nil
}
