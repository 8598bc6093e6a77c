package resolvers

import (
	"bytes"
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/stratumhq/stratum/domain/cdp"
	"github.com/stratumhq/stratum/domain/realtime"
	"github.com/stratumhq/stratum/graph/model"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/relay"
)

// sourceModel maps a CDP source (nil stays nil).
func sourceModel(s *cdp.Source) *model.Source {
	if s == nil {
		return nil
	}
	return &model.Source{ID: relay.GlobalID(relay.TypeSource, s.ID), Name: s.Name, Enabled: s.Enabled,
		WriteKeyPrefix: s.WriteKeyPrefix, RateLimitPerSecond: s.RateLimit, Received: float64(s.Received),
		Rejected: float64(s.Rejected), LastEventAt: s.LastEventAt, CreatedAt: s.CreatedAt, Simulated: s.Simulated}
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
		if d.Status == cdp.DebuggerRejected || d.Status == cdp.DebuggerThrottled {
			m.Error = &model.DebuggerError{Field: strPtr(d.ErrorField), Message: d.ErrorText, Limit: strPtr(d.Limit)}
		}
		return m, nil
	})
}

// trackEvents answers the trackEvents mutation: each typed event becomes
// the JSON object the tracking API takes, so validation, limits and
// deduplication are the tracking API's (cdp.Service.IngestEvents).
// Invalid input is a userError and stores nothing; the rate limit and the
// monthly events limit are THROTTLED errors.
func (r *Resolver) trackEvents(ctx context.Context, input model.TrackEventsInput) (*model.TrackEventsPayload, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	failed := func(err error) (*model.TrackEventsPayload, error) {
		ue, err := userErrors(err)
		return &model.TrackEventsPayload{UserErrors: ue}, err
	}
	source, err := relay.ParseTypedID(input.SourceID, relay.TypeSource, "input", "sourceId")
	if err != nil {
		return failed(err)
	}
	if len(input.Events) > cdp.MaxEventsPerCall {
		// Refused before encoding anything.
		return failed(apperr.Invalid([]string{"input", "events"}, "at most %d events a call; this one has %d", cdp.MaxEventsPerCall, len(input.Events)))
	}
	events := make([]json.RawMessage, len(input.Events))
	for i, ev := range input.Events {
		if events[i], err = wireEvent(ev, i); err != nil {
			return failed(err)
		}
	}
	n, err := r.Svc.CDP.IngestEvents(ctx, tenant, source, events)
	if err != nil {
		return failed(err)
	}
	return &model.TrackEventsPayload{Accepted: n, UserErrors: []*model.UserError{}}, nil
}

// wireEvent encodes the i-th event of trackEvents as the tracking API's
// JSON; properties, traits and context must be JSON text.
func wireEvent(ev *model.TrackEventInput, i int) (json.RawMessage, error) {
	w := map[string]any{"type": strings.ToLower(string(ev.Type))}
	for k, v := range map[string]*string{"messageId": ev.MessageID, "userId": ev.UserID, "anonymousId": ev.AnonymousID,
		"event": ev.Event, "name": ev.Name, "previousId": ev.PreviousID, "groupId": ev.GroupID} {
		if v != nil {
			w[k] = *v
		}
	}
	for k, v := range map[string]*string{"properties": ev.Properties, "traits": ev.Traits, "context": ev.Context} {
		if v == nil {
			continue
		}
		if !json.Valid([]byte(*v)) {
			return nil, apperr.Invalid([]string{"input", "events", strconv.Itoa(i), k}, "input.events.%d.%s: must be the text of a JSON object", i, k)
		}
		w[k] = json.RawMessage(*v)
	}
	for k, v := range map[string]*time.Time{"timestamp": ev.Timestamp, "sentAt": ev.SentAt} {
		if v != nil {
			w[k] = v.UTC().Format(time.RFC3339Nano)
		}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // as the SDKs send text: < > & unescaped
	if err := enc.Encode(w); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// changeSource runs a change of the source with global id gid in the
// caller's tenant and answers it as a SourcePayload (a bad id or an
// expected refusal as userErrors at input.id / the refused field).
func changeSource(ctx context.Context, gid string, change func(tenant, id uuid.UUID) (*cdp.Source, error)) (*model.SourcePayload, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	var src *cdp.Source
	id, err := relay.ParseTypedID(gid, relay.TypeSource, "input", "id")
	if err == nil {
		src, err = change(tenant, id)
	}
	ue, err := userErrors(err)
	return &model.SourcePayload{Source: sourceModel(okOrNil(src, ue, err)), UserErrors: ue}, err
}
