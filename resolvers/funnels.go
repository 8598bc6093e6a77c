package resolvers

import (
	"time"

	"github.com/stratumhq/stratum/domain/cdp"
	"github.com/stratumhq/stratum/graph/model"
	"github.com/stratumhq/stratum/internal/relay"
)

// funnels is the CDP's funnel service (it needs only the database).
func (r *Resolver) funnels() *cdp.Funnels { return &cdp.Funnels{DB: r.DB} }

func funnelModel(f *cdp.Funnel) *model.Funnel {
	if f == nil {
		return nil
	}
	out := &model.Funnel{ID: relay.GlobalID(relay.TypeFunnel, f.ID), Name: f.Name, WindowSeconds: f.WindowSeconds,
		CreatedAt: f.CreatedAt, UpdatedAt: f.UpdatedAt, Steps: make([]*model.FunnelStep, len(f.Steps))}
	for i, st := range f.Steps {
		out.Steps[i] = &model.FunnelStep{Event: st.Event}
		if st.Filter != nil {
			out.Steps[i].Filter = &model.FunnelPropertyFilter{Path: st.Filter.Path, Operator: model.FunnelFilterOperator(st.Filter.Operator),
				Value: st.Filter.Value}
		}
	}
	return out
}

// funnelInput converts a funnel's definition (validated by the domain).
func funnelInput(name string, steps []*model.FunnelStepInput, windowSeconds int) cdp.FunnelInput {
	in := cdp.FunnelInput{Name: name, Window: time.Duration(windowSeconds) * time.Second}
	for _, st := range steps {
		s := cdp.FunnelStep{Event: st.Event}
		if st.Filter != nil {
			s.Filter = &cdp.PropertyFilter{Path: st.Filter.Path, Operator: cdp.FilterOperator(st.Filter.Operator), Value: st.Filter.Value}
		}
		in.Steps = append(in.Steps, s)
	}
	return in
}

// funnelStepsModel derives each step's conversion and drop-off.
func funnelStepsModel(f *cdp.Funnel, steps []cdp.FunnelStepResult) []*model.FunnelStepResult {
	out := make([]*model.FunnelStepResult, len(steps))
	ratio := func(a, b int64) float64 {
		if b == 0 {
			return 0
		}
		return float64(a) / float64(b)
	}
	for k, st := range steps {
		m := &model.FunnelStepResult{Index: k, Event: f.Steps[k].Event, Entered: int(st.Entered), Converted: int(st.Entered),
			ConversionFromPrevious: 1, ConversionFromStart: ratio(st.Entered, steps[0].Entered),
			MedianSecondsFromPrevious: st.MedianFromPrevious, MedianSecondsFromStart: st.MedianFromStart}
		if k+1 < len(steps) {
			m.Converted = int(steps[k+1].Entered)
		}
		if k > 0 {
			m.DropOff = int(steps[k-1].Entered - st.Entered)
			m.ConversionFromPrevious = ratio(st.Entered, steps[k-1].Entered)
		}
		out[k] = m
	}
	return out
}

func funnelReportModel(rep *cdp.FunnelReport) *model.FunnelReport {
	out := &model.FunnelReport{Funnel: funnelModel(rep.Funnel), From: rep.From, To: rep.To, Steps: funnelStepsModel(rep.Funnel, rep.Steps)}
	if n := len(out.Steps); n > 0 {
		out.Entered, out.Converted = out.Steps[0].Entered, out.Steps[n-1].Entered
		if out.Entered > 0 {
			out.ConversionRate = float64(out.Converted) / float64(out.Entered)
		}
	}
	if rep.Groups != nil {
		out.Breakdown = make([]*model.FunnelBreakdownGroup, len(rep.Groups))
		for i, g := range rep.Groups {
			out.Breakdown[i] = &model.FunnelBreakdownGroup{Value: g.Value, Other: g.Other, Steps: funnelStepsModel(rep.Funnel, g.Steps)}
		}
	}
	return out
}
