package app_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/domain/cdp"
	"github.com/stratumhq/stratum/internal/relay"
)

// traitsFixture is tenant A's computed trait: a definition (backfilled)
// and its value on A's profile.
type traitsFixture struct {
	definition, name, value string // global ID, name, JSON string's text
}

// addTraits seeds A's definition and its value on A's profile straight
// into the tables (after addProfiles): no backfill job runs, so nothing
// recomputes the value under a case.
func (f *isoFixture) addTraits(t *testing.T) {
	ctx := context.Background()
	_, profile, err := relay.ParseGlobalID(f.profiles.profile)
	require.NoError(t, err)
	id := uuid.New()
	f.traits = &traitsFixture{definition: relay.GlobalID(cdp.TypeTraitDefinition, id), name: fmt.Sprintf("alpha-trait-%d", f.n),
		value: fmt.Sprintf("alpha-trait-value-%d", f.n)}
	conn, err := f.b.connect(ctx)
	require.NoError(t, err)
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, `INSERT INTO cdp_trait_tenants (tenant_id) VALUES ($1)`, f.tenantA)
	require.NoError(t, err)
	_, err = conn.Exec(ctx, `INSERT INTO cdp_trait_definitions (tenant_id, id, name, aggregation, event, value_path, backfill_status, created_at, updated_at)
		VALUES ($1, $2, $3, 'LAST', 'Alpha Ordered', '{alphaProp}', 'DONE', now(), now())`, f.tenantA, id, f.traits.name)
	require.NoError(t, err)
	_, err = conn.Exec(ctx, `INSERT INTO cdp_computed_traits (tenant_id, profile_id, definition_id, value, computed_at, state)
		VALUES ($1, $2, $3, to_jsonb($4::text), now(), '{"b": {}}')`, f.tenantA, profile, id, f.traits.value)
	require.NoError(t, err)
	f.markers = append(f.markers, f.traits.definition, f.traits.name, f.traits.value)
}

const traitDefinitionFields = `id name aggregation event filter { property operator value } valueProperty windowDays
	backfill { status progress { done total } } createdAt updatedAt`

func init() {
	addIsolationCases(map[string]isolationCase{
		"Query.traitDefinitions": {Query: `{ traitDefinitions(first: 10) { totalCount pageInfo { hasNextPage } edges { cursor node { ` + traitDefinitionFields + ` } } } }`,
			Viewer: Allowed, Sees: strs("traitDefinition", "traitName")},
		// B's owner creates B's own (A's definitions are unchanged: the
		// snapshot has them); the control creates one in A.
		"Mutation.createTraitDefinition": {Query: `mutation { createTraitDefinition(input: {name: "orders", aggregation: COUNT, event: "Order Completed", windowDays: 30}) {
				definition { ` + traitDefinitionFields + ` } userErrors { field code } } }`,
			Viewer: Refused, Changes: true, ControlHas: []string{`"name":"orders"`}},
		// B's owner naming A's definition gets NOT_FOUND and changes nothing;
		// the control renames it.
		"Mutation.updateTraitDefinition": {Query: `mutation($id: ID!) { updateTraitDefinition(input: {id: $id, name: "renamed", aggregation: LAST, event: "Alpha Ordered", valueProperty: "alphaProp"}) {
				definition { ` + traitDefinitionFields + ` } userErrors { field code } } }`,
			Vars: vars("id", "traitDefinition"), Viewer: Refused, B: []string{"NOT_FOUND"}, Sees: strs("traitDefinition"), Changes: true},
		"Mutation.deleteTraitDefinition": {Query: `mutation($id: ID!) { deleteTraitDefinition(input: {id: $id}) { deletedDefinitionId userErrors { field code } } }`,
			Vars: vars("id", "traitDefinition"), Viewer: Refused, B: []string{"NOT_FOUND"}, Sees: strs("traitDefinition"), Changes: true},
	})
}
