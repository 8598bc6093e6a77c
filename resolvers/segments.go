package resolvers

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/stratumhq/stratum/domain/cdp"
	"github.com/stratumhq/stratum/domain/realtime"
	"github.com/stratumhq/stratum/graph/model"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/relay"
)

// segments is the CDP's segments service.
func (r *Resolver) segments() *cdp.Segments {
	if r.Svc.Segments != nil {
		return r.Svc.Segments
	}
	return &cdp.Segments{DB: r.DB, Billing: r.Svc.Billing} // resolvers built without it (tests)
}

// ruleOf converts a rule input to the domain's tree, field by field (the
// stored JSON has the input's shape). Empty lists stay empty, so the
// validator names them (["input", "rules", "and"]) rather than the node.
func ruleOf(in *model.SegmentRuleInput) (*cdp.Rule, error) {
	if in == nil {
		return nil, nil
	}
	r := &cdp.Rule{Trait: in.Trait, Value: in.Value, Values: in.Values}
	group := func(in []*model.SegmentRuleInput) []cdp.Rule {
		if in == nil {
			return nil
		}
		out := make([]cdp.Rule, len(in))
		for i, c := range in {
			if c != nil {
				x, _ := ruleOf(c)
				out[i] = *x
			}
		}
		return out
	}
	r.And, r.Or = group(in.And), group(in.Or)
	if in.Not != nil {
		r.Not, _ = ruleOf(in.Not)
	}
	if in.Field != nil {
		r.Field = cdp.ProfileField(*in.Field)
	}
	if in.Identifier != nil {
		r.Identifier = cdp.IdentifierType(*in.Identifier)
	}
	if in.Operator != nil {
		r.Operator = cdp.Operator(*in.Operator)
	}
	if in.ComputedTrait != nil {
		// A malformed id or another type's names no definition: the domain
		// reports it at the condition's computedTrait.
		id := uuid.Nil
		if typ, x, err := relay.ParseGlobalID(*in.ComputedTrait); err == nil && typ == cdp.TypeTraitDefinition {
			id = x
		}
		r.ComputedTrait = &id
	}
	if in.Rfm != nil {
		r.RFM = cdp.RFMMeasure(*in.Rfm)
	}
	if e := in.Event; e != nil {
		r.Event = &cdp.EventCondition{Name: e.Name}
		for _, f := range e.Where {
			r.Event.Where = append(r.Event.Where, cdp.SegmentPropertyFilter{Path: f.Path, Operator: cdp.Operator(f.Operator), Value: f.Value, Values: f.Values})
		}
		if c := e.Count; c != nil {
			r.Event.Count = &cdp.EventCount{Operator: cdp.CountOperator(c.Operator), Value: int64(c.Value)}
		}
		if w := e.Window; w != nil {
			r.Event.Window = &cdp.TimeWindow{Operator: cdp.Operator(w.Operator), Value: w.Value, Values: w.Values}
		}
	}
	return r, nil
}

// segmentModel maps a segment (nil stays nil).
func segmentModel(s *cdp.Segment) *model.Segment {
	if s == nil {
		return nil
	}
	rules, err := json.Marshal(s.Rules)
	if err != nil {
		rules = []byte("{}")
	}
	return &model.Segment{ID: relay.GlobalID(relay.TypeSegment, s.ID), Name: s.Name, Kind: model.SegmentKind(s.Kind),
		Size: int(s.Size), Rules: string(rules), CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt, RefreshedAt: s.RefreshedAt}
}

// profileOrNil reads a profile for a segment's member or sample; one gone
// since (deleted) is nil.
func (r *Resolver) profileOrNil(ctx context.Context, tenant, id uuid.UUID) (*model.Profile, error) {
	p, err := r.identity().Profile(ctx, tenant, id)
	var e *apperr.Error
	if errors.As(err, &e) && e.Code == apperr.NotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return profileModel(p), nil
}

// segmentPayload answers a mutation that returns a segment.
func segmentPayload(s *cdp.Segment, err error) (*model.SegmentPayload, error) {
	ue, err := userErrors(err)
	return &model.SegmentPayload{Segment: okOrNil(segmentModel(s), ue, err), UserErrors: ue}, err
}

// createSegment answers createSegment.
func (r *Resolver) createSegment(ctx context.Context, input model.CreateSegmentInput) (*model.SegmentPayload, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	rules, err := ruleOf(input.Rules)
	if err != nil {
		return nil, err
	}
	return segmentPayload(r.segments().CreateSegment(ctx, tenant, cdp.SegmentInput{Name: input.Name,
		Kind: cdp.SegmentKind(input.Kind), Rules: rules}))
}

// updateSegment answers updateSegment.
func (r *Resolver) updateSegment(ctx context.Context, input model.UpdateSegmentInput) (*model.SegmentPayload, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	id, err := relay.ParseTypedID(input.ID, relay.TypeSegment, "input", "id")
	if err != nil {
		return segmentPayload(nil, err)
	}
	rules, err := ruleOf(input.Rules)
	if err != nil {
		return nil, err
	}
	p := cdp.SegmentPatch{Name: input.Name, Rules: rules}
	if input.Kind != nil {
		k := cdp.SegmentKind(*input.Kind)
		p.Kind = &k
	}
	return segmentPayload(r.segments().UpdateSegment(ctx, tenant, id, p))
}

// deleteSegment answers deleteSegment.
func (r *Resolver) deleteSegment(ctx context.Context, input model.SegmentIDInput) (*model.DeleteSegmentPayload, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	id, err := relay.ParseTypedID(input.ID, relay.TypeSegment, "input", "id")
	if err == nil {
		err = r.segments().DeleteSegment(ctx, tenant, id)
	}
	ue, err := userErrors(err)
	out := &model.DeleteSegmentPayload{UserErrors: ue}
	if err == nil && len(ue) == 0 {
		out.DeletedSegmentID = &input.ID
	}
	return out, err
}

// refreshSegment answers refreshSegment.
func (r *Resolver) refreshSegment(ctx context.Context, input model.SegmentIDInput) (*model.SegmentPayload, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	id, err := relay.ParseTypedID(input.ID, relay.TypeSegment, "input", "id")
	if err != nil {
		return segmentPayload(nil, err)
	}
	return segmentPayload(r.segments().RefreshSegment(ctx, tenant, id))
}

// segment answers segment(id): null when there is none.
func (r *Resolver) segment(ctx context.Context, id string) (*model.Segment, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	sid, err := relay.ParseTypedID(id, relay.TypeSegment, "id")
	if err != nil {
		return nil, err
	}
	s, err := r.segments().Segment(ctx, tenant, sid)
	if apperr.CodeOf(err) == apperr.NotFound {
		return nil, nil
	}
	return segmentModel(s), err
}

// previewSegment answers previewSegment.
func (r *Resolver) previewSegment(ctx context.Context, rules model.SegmentRuleInput) (*model.SegmentPreview, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	rule, err := ruleOf(&rules)
	if err != nil {
		return nil, err
	}
	p, err := r.segments().PreviewSegment(ctx, tenant, rule, []string{"rules"})
	if err != nil {
		return nil, err
	}
	out := &model.SegmentPreview{Size: int(p.Size), Sample: []*model.Profile{}}
	for _, id := range p.Sample {
		m, err := r.profileOrNil(ctx, tenant, id)
		if err != nil {
			return nil, err
		}
		if m != nil {
			out.Sample = append(out.Sample, m)
		}
	}
	return out, nil
}

// segmentMembers answers Segment.members.
func (r *Resolver) segmentMembers(ctx context.Context, obj *model.Segment, first *int, after *string) (*model.SegmentMemberConnection, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	id, err := relay.ParseTypedID(obj.ID, relay.TypeSegment)
	if err != nil {
		return nil, err
	}
	page, err := r.segments().Members(ctx, tenant, id, pageArgs(first, after, nil, nil))
	if err != nil {
		return nil, err
	}
	out := &model.SegmentMemberConnection{Edges: make([]*model.SegmentMemberEdge, len(page.Items)), PageInfo: &page.Info,
		TotalCount: page.TotalCount}
	for i, m := range page.Items {
		p, err := r.profileOrNil(ctx, tenant, m.ProfileID)
		if err != nil {
			return nil, err
		}
		out.Edges[i] = &model.SegmentMemberEdge{Cursor: page.Cursors[i], Node: &model.SegmentMember{Profile: p, EnteredAt: m.EnteredAt}}
	}
	return out, nil
}

// defaultMembershipHistoryDays is membershipHistory's range when days is
// null (the schema's default when absent).
const defaultMembershipHistoryDays = 30

// segmentMembershipHistory answers Segment.membershipHistory.
func (r *Resolver) segmentMembershipHistory(ctx context.Context, obj *model.Segment, days *int) ([]*model.SegmentMembershipDay, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	id, err := relay.ParseTypedID(obj.ID, relay.TypeSegment)
	if err != nil {
		return nil, err
	}
	n := defaultMembershipHistoryDays
	if days != nil {
		n = *days
	}
	hist, err := r.segments().MembershipHistory(ctx, tenant, id, n)
	if err != nil {
		return nil, err
	}
	out := make([]*model.SegmentMembershipDay, len(hist))
	for i, d := range hist {
		out[i] = &model.SegmentMembershipDay{Date: d.Date.Format(time.DateOnly), Entered: int(d.Entered), Exited: int(d.Exited)}
	}
	return out, nil
}

// segmentMembershipChanged answers the subscription: each committed
// change of the segment's membership, with the segment read fresh.
func (r *Resolver) segmentMembershipChanged(ctx context.Context, segmentID string) (<-chan *model.SegmentMembershipChange, error) {
	tenant, err := tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	id, err := relay.ParseTypedID(segmentID, relay.TypeSegment, "segmentId")
	if err != nil {
		return nil, err
	}
	return subscribe(ctx, r, tenant, []string{cdp.TopicSegmentMembershipChanged}, func(ctx context.Context, ev realtime.Event) (*model.SegmentMembershipChange, error) {
		if ev.ID != id.String() {
			return nil, errSkip
		}
		var d cdp.MembershipDelta
		if err := json.Unmarshal(ev.Data, &d); err != nil {
			return nil, errSkip
		}
		s, err := r.segments().Segment(ctx, tenant, id)
		if err != nil {
			return nil, err
		}
		return &model.SegmentMembershipChange{Segment: segmentModel(s), Entered: int(d.Entered), Exited: int(d.Exited)}, nil
	})
}
