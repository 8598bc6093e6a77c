package resolvers

import (
	"encoding/json"

	"github.com/stratumhq/stratum/domain/conversions/emq"
	"github.com/stratumhq/stratum/graph/model"
	"github.com/stratumhq/stratum/internal/relay"
)

// typeConversionDestination is the global-ID type of conversion
// destinations (the destinations' own GraphQL type).
const typeConversionDestination = "ConversionDestination"

func emqScoreModel(s *emq.DestinationScore) *model.EmqScore {
	out := &model.EmqScore{
		DestinationID: relay.GlobalID(typeConversionDestination, s.DestinationID),
		Platform:      model.Platform(s.Platform), EventName: s.EventName, Events: s.Events,
		Score: s.Score, Source: model.EmqScoreSource(s.Source), Estimate: s.Estimate,
		PlatformScore: s.PlatformScore, PlatformScoreAt: s.PlatformScoreAt, CalibrationError: s.CalibrationError,
		PlatformScoreError: s.PlatformError,
		MissingParameters:  make([]*model.EmqMissingParameter, 0, len(s.Missing)),
	}
	for _, a := range s.Missing {
		out.MissingParameters = append(out.MissingParameters, &model.EmqMissingParameter{
			Parameter: string(a.Parameter), Coverage: a.Coverage, Impact: a.Impact, Advice: a.Advice})
	}
	return out
}

// emqUpdate decodes a TopicEMQUpdated event's data.
func emqUpdate(data json.RawMessage) (emq.Update, error) {
	var u emq.Update
	err := json.Unmarshal(data, &u)
	return u, err
}
