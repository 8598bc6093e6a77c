package resolvers

import (
	"context"

	"github.com/google/uuid"
	"github.com/vikstrous/dataloadgen"
	"strconv"

	"github.com/stratumhq/stratum/domain/cdp"
	"github.com/stratumhq/stratum/graph/model"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/money"
)

// rfm is the CDP's RFM service (the one whose refresh job is wired; its
// reads need only the database).
func (r *Resolver) rfm() *cdp.RFM {
	if r.Svc.CDP != nil && r.Svc.CDP.RFM != nil {
		return r.Svc.CDP.RFM
	}
	return cdp.NewRFM(r.DB)
}

// rfmScoreOf is a profile's RFM score, batched per HTTP request (a
// profiles page reads its scores in one query).
func (r *Resolver) rfmScoreOf(ctx context.Context, profile uuid.UUID) (*cdp.RFMScore, error) {
	return load(ctx, func(l *trustLoaders) *dataloadgen.Loader[uuid.UUID, *cdp.RFMScore] { return l.rfmScores }, r.rfm().ScoresOf, profile)
}

// rfmSegments maps the stored cell names to the GraphQL enum.
var rfmSegments = map[string]model.RfmSegment{
	cdp.RFMChampions: model.RfmSegmentChampions, cdp.RFMLoyal: model.RfmSegmentLoyal, cdp.RFMPotentialLoyal: model.RfmSegmentPotentialLoyal,
	cdp.RFMNew: model.RfmSegmentNew, cdp.RFMPromising: model.RfmSegmentPromising, cdp.RFMNeedAttention: model.RfmSegmentNeedAttention,
	cdp.RFMAtRisk: model.RfmSegmentAtRisk, cdp.RFMCantLose: model.RfmSegmentCantLose, cdp.RFMHibernating: model.RfmSegmentHibernating,
	cdp.RFMLost: model.RfmSegmentLost,
}

// rfmCellName is the stored name of an enum value.
func rfmCellName(s model.RfmSegment) (string, error) {
	for name, v := range rfmSegments {
		if v == s {
			return name, nil
		}
	}
	return "", apperr.Invalid([]string{"segment"}, "unknown RFM cell")
}

func rfmReportModel(rep *cdp.RFMReport) *model.RfmReport {
	out := &model.RfmReport{ComputedAt: rep.ComputedAt, LookbackDays: rep.LookbackDays, Profiles: rep.Profiles, Cells: []*model.RfmCell{}}
	for _, c := range rep.Cells {
		out.Cells = append(out.Cells, &model.RfmCell{Segment: rfmSegments[c.Name], Name: c.Name, Count: int(c.Count),
			Revenue: money.Float(c.RevenueMicros), RevenueMicros: strconv.FormatInt(c.RevenueMicros, 10)})
	}
	return out
}

func rfmSettingsModel(st cdp.RFMSettings) *model.RfmSettings {
	return &model.RfmSettings{LookbackDays: st.LookbackDays, EventNames: st.EventNames, ValueProperty: st.ValueProperty}
}

func rfmScoreModel(sc *cdp.RFMScore) *model.RfmScore {
	if sc == nil {
		return nil
	}
	return &model.RfmScore{R: sc.R, F: sc.F, M: sc.M, Segment: rfmSegments[sc.Segment], ComputedAt: sc.ComputedAt}
}
