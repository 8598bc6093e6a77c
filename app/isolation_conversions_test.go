package app_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/domain/conversions"
	"github.com/stratumhq/stratum/domain/conversions/capifake"
	"github.com/stratumhq/stratum/internal/relay"
)

// conversionsFixture is tenant A's conversion destination.
type conversionsFixture struct {
	destination string // global ID
	name        string
}

// addConversions saves A's Meta destination (its plan, Professional, has
// the capi flag).
func (f *isoFixture) addConversions(t *testing.T) {
	svc := f.b.srv.App.Services.ConversionDestinations
	name := fmt.Sprintf("Alpha Destination %d", f.n)
	// The destination points at a fake Meta Conversions API (its test
	// event is really sent, never to the internet).
	meta := capifake.NewMeta(t)
	d, err := svc.Create(context.Background(), f.tenantA, conversions.DestinationInput{Platform: "META", Name: name, Enabled: true,
		Credentials: map[string]string{"pixelId": capifake.MetaPixelID, "accessToken": capifake.MetaAccessToken},
		BaseURL:     meta.URL(), TestEventCode: fmt.Sprintf("ALPHA%d", f.n)})
	require.NoError(t, err)
	f.conversions = &conversionsFixture{destination: relay.GlobalID(relay.TypeConversionDestination, d.ID), name: name}
	f.markers = append(f.markers, f.conversions.destination, capifake.MetaAccessToken)
}

const destinationFields = `id platform name credentialKeys baseUrl testEventCode eventMappings { source target value currency contentIds orderId }
	limitedDataUse legitimateInterest enabled createdAt updatedAt`

func init() {
	addIsolationCases(map[string]isolationCase{
		"Query.conversionDestinations": {Query: `{ conversionDestinations(first: 10) { totalCount pageInfo { hasNextPage } edges { cursor node { ` + destinationFields + ` } } } }`,
			Viewer: Allowed, Sees: strs("conversionDestination", "conversionDestinationName")},
		// B naming A's destination gets null.
		"Query.conversionDestination": {Query: `query($d: ID!) { conversionDestination(id: $d) { ` + destinationFields + ` } }`,
			Vars: vars("d", "conversionDestination"), Viewer: Allowed, Sees: strs("conversionDestination", "conversionDestinationName")},
		// B creates in B; A's snapshot is unchanged. The control creates in A.
		"Mutation.createConversionDestination": {Query: `mutation { createConversionDestination(input: {platform: TIKTOK, name: "Gamma",
				credentials: {pixelCode: "C4GAMMA", accessToken: "gamma-token"}}) { destination { id name credentialKeys } userErrors { field code } } }`,
			Viewer: Refused, Changes: true, ControlHas: []string{`"name":"Gamma"`}},
		"Mutation.updateConversionDestination": {Query: `mutation($d: ID!) { updateConversionDestination(input: {id: $d, name: "Gamma", enabled: false,
				credentials: {accessToken: "gamma-token"}}) { destination { id name enabled } userErrors { field code } } }`,
			Vars: vars("d", "conversionDestination"), Viewer: Refused, B: []string{"NOT_FOUND"}, Changes: true, Sees: strs("conversionDestination")},
		"Mutation.deleteConversionDestination": {Query: `mutation($d: ID!) { deleteConversionDestination(input: {id: $d}) { deletedDestinationId userErrors { field code } } }`,
			Vars: vars("d", "conversionDestination"), Viewer: Refused, B: []string{"NOT_FOUND"}, Changes: true, Sees: strs("conversionDestination")},
		// B cannot send A's test event (nor claim its rate limit); the
		// control does, and the fake Meta server accepts it.
		"Mutation.testConversionDestination": {Query: `mutation($d: ID!) { testConversionDestination(input: {id: $d}) { result { ok httpStatus message latencyMs testEventCode } userErrors { field code } } }`,
			Vars: vars("d", "conversionDestination"), Viewer: Refused, B: []string{"NOT_FOUND"}, Changes: true, ControlHas: []string{`"ok":true`, `"httpStatus":200`}},
	})
}
