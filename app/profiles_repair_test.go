package app_test

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// unmergeProfile and splitProfile over GraphQL: the payloads carry the
// resulting profiles, refusals are userErrors at the exact input path.
func TestProfileUnmergeAndSplitOverGraphQL(t *testing.T) {
	t.Parallel()
	e := setupProfiles(t)
	unmerge := `mutation($p: ID!) { unmergeProfile(input: {profileId: $p}) {
		profile { id identities { type value } } survivor { id identities { type value } mergeHistory { absorbedId undone } }
		userErrors { field message code } } }`

	// ann is not merged into anything: a userError at input.profileId.
	res := e.srv.Query(t, unmerge, map[string]any{"p": e.gid(e.ann)}, e.h)
	require.Empty(t, res.Errors)
	require.Nil(t, field(t, res.Data, "unmergeProfile", "profile"))
	ue := field(t, res.Data, "unmergeProfile", "userErrors").([]any)
	require.Len(t, ue, 1)
	require.Equal(t, []any{"input", "profileId"}, ue[0].(map[string]any)["field"])
	require.Equal(t, "BAD_USER_INPUT", ue[0].(map[string]any)["code"])

	// dan, merged into ann, comes back with a-dan.
	res = e.srv.Query(t, unmerge, map[string]any{"p": e.gid(e.dan)}, e.h)
	require.Empty(t, res.Errors)
	require.Equal(t, []any{}, field(t, res.Data, "unmergeProfile", "userErrors"))
	require.Equal(t, e.gid(e.dan), field(t, res.Data, "unmergeProfile", "profile", "id"))
	require.Equal(t, []any{map[string]any{"type": "ANONYMOUS_ID", "value": "a-dan"}}, field(t, res.Data, "unmergeProfile", "profile", "identities"))
	require.Equal(t, e.gid(e.ann), field(t, res.Data, "unmergeProfile", "survivor", "id"))
	require.Equal(t, []any{map[string]any{"absorbedId": e.gid(e.dan), "undone": true}}, field(t, res.Data, "unmergeProfile", "survivor", "mergeHistory"))

	split := `mutation($p: ID!, $ids: [IdentityInput!]!) { splitProfile(input: {profileId: $p, identifiers: $ids}) {
		profile { id identities { type value } } newProfile { id lifecycleStage identities { type value } } userErrors { field message code } } }`
	id := func(typ, v string) map[string]any { return map[string]any{"type": typ, "value": v} }
	for _, c := range []struct {
		name  string
		ids   []any
		field []any
	}{
		{"empty", []any{}, []any{"input", "identifiers"}},
		{"not on the profile", []any{id("ANONYMOUS_ID", "a-ann"), id("ANONYMOUS_ID", "a-bob")}, []any{"input", "identifiers", "1"}},
		{"invalid e-mail", []any{id("EMAIL", "nope")}, []any{"input", "identifiers", "0", "value"}},
		{"everything", []any{id("USER_ID", "u-ann"), id("EMAIL", "ann@example.com"), id("ANONYMOUS_ID", "a-ann")}, []any{"input", "identifiers"}},
	} {
		res := e.srv.Query(t, split, map[string]any{"p": e.gid(e.ann), "ids": c.ids}, e.h)
		require.Empty(t, res.Errors, c.name)
		require.Nil(t, field(t, res.Data, "splitProfile", "newProfile"), c.name)
		ue := field(t, res.Data, "splitProfile", "userErrors").([]any)
		require.Len(t, ue, 1, c.name)
		require.Equal(t, c.field, ue[0].(map[string]any)["field"], c.name)
		require.Equal(t, "BAD_USER_INPUT", ue[0].(map[string]any)["code"], c.name)
	}
	many := make([]any, 51)
	for i := range many {
		many[i] = id("ANONYMOUS_ID", "x")
	}
	res = e.srv.Query(t, split, map[string]any{"p": e.gid(e.ann), "ids": many}, e.h)
	require.Equal(t, []any{"input", "identifiers"}, field(t, res.Data, "splitProfile", "userErrors").([]any)[0].(map[string]any)["field"])

	// The e-mail (as typed) and the anonymous id move to a new profile.
	res = e.srv.Query(t, split, map[string]any{"p": e.gid(e.ann), "ids": []any{id("EMAIL", " ANN@example.com"), id("ANONYMOUS_ID", "a-ann")}}, e.h)
	require.Empty(t, res.Errors)
	require.Equal(t, []any{}, field(t, res.Data, "splitProfile", "userErrors"))
	require.Equal(t, []any{id("USER_ID", "u-ann")}, field(t, res.Data, "splitProfile", "profile", "identities"))
	require.Equal(t, []any{id("EMAIL", "ann@example.com"), id("ANONYMOUS_ID", "a-ann")}, field(t, res.Data, "splitProfile", "newProfile", "identities"))
	require.Equal(t, "KNOWN", field(t, res.Data, "splitProfile", "newProfile", "lifecycleStage"))

	// Both repairs are in the audit log.
	res = e.srv.Query(t, `{ auditLog(first: 10) { edges { node { action } } } }`, nil, e.h)
	require.Empty(t, res.Errors)
	var actions []string
	for _, edge := range field(t, res.Data, "auditLog", "edges").([]any) {
		actions = append(actions, str(edge.(map[string]any)["node"].(map[string]any)["action"]))
	}
	require.Contains(t, actions, "profile.unmerge")
	require.Contains(t, actions, "profile.split")
}

func TestProfileChurnPeriodSetting(t *testing.T) {
	t.Parallel()
	e := setupProfiles(t)
	res := e.srv.Query(t, `{ profileSettings { churnDays } }`, nil, e.h)
	require.Empty(t, res.Errors)
	require.EqualValues(t, 90, field(t, res.Data, "profileSettings", "churnDays"))
	set := `mutation($d: Int) { setProfileChurnPeriod(input: {days: $d}) { settings { churnDays } userErrors { field code } } }`
	for _, bad := range []int{0, 3651} {
		res = e.srv.Query(t, set, map[string]any{"d": bad}, e.h)
		require.Empty(t, res.Errors)
		require.Nil(t, field(t, res.Data, "setProfileChurnPeriod", "settings"))
		require.Equal(t, []any{map[string]any{"field": []any{"input", "days"}, "code": "BAD_USER_INPUT"}}, field(t, res.Data, "setProfileChurnPeriod", "userErrors"))
	}
	res = e.srv.Query(t, set, map[string]any{"d": 30}, e.h)
	require.Empty(t, res.Errors)
	require.EqualValues(t, 30, field(t, res.Data, "setProfileChurnPeriod", "settings", "churnDays"))
	res = e.srv.Query(t, `{ profileSettings { churnDays } }`, nil, e.h)
	require.EqualValues(t, 30, field(t, res.Data, "profileSettings", "churnDays"))
	res = e.srv.Query(t, set, map[string]any{"d": nil}, e.h)
	require.EqualValues(t, 90, field(t, res.Data, "setProfileChurnPeriod", "settings", "churnDays"), "null restores the default")
}
