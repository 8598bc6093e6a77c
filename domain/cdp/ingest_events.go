package cdp

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/derrors"
)

// MaxEventsPerCall bounds the events of one GraphQL trackEvents call.
const MaxEventsPerCall = 500

// IngestEvents takes the events of the GraphQL trackEvents mutation for
// one of tenant's sources: each is its JSON object as the tracking API
// takes it (type included). They pass the same validation (all or
// nothing), limits (32 KB an event, 500 KB in all, and at most
// MaxEventsPerCall events), rate limit and group committer as a
// /v1/batch request, and it returns once they are committed. Errors name
// the input path (input.sourceId, input.events.3.properties): NOT_FOUND
// for a source tenant does not have, FORBIDDEN for a disabled one,
// BAD_USER_INPUT for an invalid event, THROTTLED for the rate limit and
// the monthly events limit. Events are received at the database's time, as
// the tracking API's are.
func (s *Service) IngestEvents(ctx context.Context, tenant, sourceID uuid.UUID, events []json.RawMessage) (n int, err error) {
	defer derrors.Wrap(&err, "cdp.Service.IngestEvents(%s, %s)", tenant, sourceID)
	srcField := []string{"input", "sourceId"}
	src, err := s.Source(ctx, tenant, sourceID)
	if e, ok := apperr.As(err); ok && e.Code == apperr.NotFound {
		return 0, &apperr.Error{Code: apperr.NotFound, Field: srcField, Message: "no such source"}
	}
	if err != nil {
		return 0, err
	}
	if !src.Enabled {
		return 0, &apperr.Error{Code: apperr.Forbidden, Field: srcField, Message: "this source is disabled"}
	}
	ks := keyedSource{TenantID: tenant, SourceID: src.ID, Enabled: src.Enabled, RateLimit: src.RateLimit}
	eventsField := []string{"input", "events"}
	if len(events) > MaxEventsPerCall {
		return 0, apperr.Invalid(eventsField, "at most %d events a call; this one has %d", MaxEventsPerCall, len(events))
	}
	total := 0
	for _, raw := range events {
		total += len(raw)
	}
	if total > MaxBatchBytes {
		return 0, apperr.Invalid(eventsField, "the events are at most %d bytes (500 KB) in all; these are %d", MaxBatchBytes, total)
	}
	req := Request{Endpoint: "batch", ReceivedAt: s.DB.Now(ctx)}
	b := &wireBatch{Batch: events}
	valid, size, err := validate(req, b, nil, src.ID)
	if err != nil {
		s.rejected(ctx, ks, max(1, len(events)))
		s.publishRejected(ctx, ks, "", req, b, err)
		return 0, inputPath(err)
	}
	if wait, ok := s.takeEvents(ctx, src.ID, src.RateLimit, len(valid)); !ok {
		secs := int((wait + time.Second - 1) / time.Second)
		err := &apperr.Error{Code: apperr.Throttled, Message: fmt.Sprintf("this source accepts %d events a second; retry in %d s", src.RateLimit, secs),
			Extensions: map[string]any{"retryAfterSeconds": secs}}
		s.publishThrottled(ctx, ks, "", valid, err, LimitSourceRate)
		return 0, err
	}
	if err := s.submit(ctx, tenant, "", valid, size); err != nil {
		s.publishThrottled(ctx, ks, "", valid, err, "")
		return 0, err
	}
	return len(valid), nil
}

// inputPath turns a batch validation error (batch[3].properties) into the
// GraphQL input path input.events.3.properties.
func inputPath(err error) error {
	e, ok := apperr.As(err)
	if !ok || len(e.Field) == 0 {
		return err
	}
	path := []string{"input", "events"}
	rest := e.Field[0]
	if i, isEvent := e.Extensions["index"].(int); isEvent {
		prefix := fmt.Sprintf("batch[%d]", i)
		rest = strings.TrimPrefix(strings.TrimPrefix(rest, prefix), ".")
		path = append(path, strconv.Itoa(i))
	} else if rest == "batch" {
		rest = ""
	}
	if rest != "" {
		path = append(path, rest)
	}
	msg := e.Message
	if _, after, found := strings.Cut(msg, ": "); found {
		msg = after
	}
	return &apperr.Error{Code: e.Code, Field: path, Message: strings.Join(path, ".") + ": " + msg}
}
