package resolvers

import (
	"github.com/stratumhq/stratum/domain/cdp"
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
