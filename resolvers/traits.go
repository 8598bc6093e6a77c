package resolvers

import (
	"context"

	"github.com/google/uuid"
	"github.com/vikstrous/dataloadgen"
	"strings"

	"github.com/stratumhq/stratum/domain/cdp"
	"github.com/stratumhq/stratum/graph/model"
	"github.com/stratumhq/stratum/internal/relay"
)

// traitDefinitionModel maps a computed trait's definition.
func traitDefinitionModel(d *cdp.TraitDefinition) *model.TraitDefinition {
	if d == nil {
		return nil
	}
	out := &model.TraitDefinition{ID: relay.GlobalID(cdp.TypeTraitDefinition, d.ID), Name: d.Name,
		Aggregation: model.TraitAggregation(d.Aggregation), Event: d.Event, WindowDays: d.WindowDays,
		CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt,
		Backfill: &model.TraitBackfill{Status: model.TraitBackfillStatus(d.BackfillStatus),
			Progress: &model.TraitBackfillProgress{Done: float64(d.BackfillDone), Total: float64(d.BackfillTotal)}}}
	if d.Filter != nil {
		out.Filter = &model.TraitFilter{Property: strings.Join(d.Filter.Path, "."), Operator: model.TraitFilterOperator(d.Filter.Operator), Value: d.Filter.Value}
	}
	if len(d.ValuePath) > 0 {
		p := strings.Join(d.ValuePath, ".")
		out.ValueProperty = &p
	}
	return out
}

// traitInput maps a create or update input to the domain's.
func traitInput(name string, agg model.TraitAggregation, event string, filter *model.TraitFilterInput, value *string, window *int) cdp.TraitDefinitionInput {
	in := cdp.TraitDefinitionInput{Name: name, Aggregation: cdp.TraitAggregation(agg), Event: event, ValueProperty: value, WindowDays: window}
	if filter != nil {
		in.Filter = &cdp.TraitFilterInput{Property: filter.Property, Operator: cdp.FilterOperator(filter.Operator), Value: filter.Value}
	}
	return in
}

// traitPayload answers a create or update.
func traitPayload(d *cdp.TraitDefinition, err error) (*model.TraitDefinitionPayload, error) {
	ue, err := userErrors(err)
	if err != nil {
		return nil, err
	}
	return &model.TraitDefinitionPayload{Definition: okOrNil(traitDefinitionModel(d), ue, nil), UserErrors: ue}, nil
}

// traits is the computed traits service (one over the database when the
// services were built without it).
// computedTraitsOf is a profile's computed traits, batched per HTTP
// request (a profiles page reads them in one transaction).
func (r *Resolver) computedTraitsOf(ctx context.Context, profile uuid.UUID) ([]cdp.ComputedTrait, error) {
	return load(ctx, func(l *trustLoaders) *dataloadgen.Loader[uuid.UUID, []cdp.ComputedTrait] { return l.computedTraits },
		r.traits().ComputedTraitsOf, profile)
}

func (r *Resolver) traits() *cdp.Traits {
	if r.Svc.Traits != nil {
		return r.Svc.Traits
	}
	return &cdp.Traits{DB: r.DB}
}
