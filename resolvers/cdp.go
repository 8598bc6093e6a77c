package resolvers

import (
	"context"
	"encoding/json"

	"github.com/stratumhq/stratum/domain/cdp"
	"github.com/stratumhq/stratum/domain/realtime"
	"github.com/stratumhq/stratum/graph/model"
	"github.com/stratumhq/stratum/internal/relay"
)

// sourceModel maps a CDP source (nil stays nil).
func sourceModel(s *cdp.Source) *model.Source {
	if s == nil {
		return nil
	}
	return &model.Source{ID: relay.GlobalID(relay.TypeSource, s.ID), Name: s.Name, Enabled: s.Enabled,
		WriteKeyPrefix: s.WriteKeyPrefix, RateLimitPerSecond: s.RateLimit, Received: float64(s.Received),
		Rejected: float64(s.Rejected), LastEventAt: s.LastEventAt, CreatedAt: s.CreatedAt}
}

// sourceKeyPayload is the payload of a mutation that shows a write key:
// the key and the source only when it succeeded.
func sourceKeyPayload(src *cdp.Source, key string, err error) (*model.SourceWriteKeyPayload, error) {
	ue, err := userErrors(err)
	if err != nil || len(ue) > 0 {
		return &model.SourceWriteKeyPayload{UserErrors: ue}, err
	}
	return &model.SourceWriteKeyPayload{Source: sourceModel(src), WriteKey: &key, UserErrors: ue}, nil
}

// eventReceived answers the live debugger's subscription: the entries of
// one source of the caller's tenant (the hub filters by tenant, so another
// tenant's source id matches nothing).
func (r *Resolver) eventReceived(ctx context.Context, sourceID string) (<-chan *model.DebuggerEvent, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	source, err := relay.ParseTypedID(sourceID, relay.TypeSource, "sourceId")
	if err != nil {
		return nil, err
	}
	return subscribe(ctx, r, tenant, []string{cdp.TopicEventReceived}, func(ctx context.Context, ev realtime.Event) (*model.DebuggerEvent, error) {
		var d cdp.DebuggerEvent
		if err := json.Unmarshal(ev.Data, &d); err != nil || d.SourceID != source {
			return nil, errSkip
		}
		m := &model.DebuggerEvent{ReceivedAt: d.ReceivedAt, Status: model.DebuggerEventStatus(d.Status),
			MessageID: strPtr(d.MessageID), Type: strPtr(d.Type), Name: strPtr(d.Name), Payload: d.Payload, Truncated: d.Truncated}
		if d.Status == cdp.DebuggerRejected {
			m.Error = &model.DebuggerError{Field: strPtr(d.ErrorField), Message: d.ErrorText}
		}
		return m, nil
	})
}
