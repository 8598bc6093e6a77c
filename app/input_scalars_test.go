package app_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/app/apptest"
	"github.com/stratumhq/stratum/internal/testdb"
)

// Bad scalar input used to reach PostgreSQL (NUL bytes) or fail with an
// untyped error (unparseable times) and come back INTERNAL, logged as an
// ERROR with SQL text. It is BAD_USER_INPUT with the input path and
// changes nothing.
func TestBadScalarInputIsBadUserInput(t *testing.T) {
	t.Parallel()
	tdb := testdb.New(t)
	s := apptest.Start(t, apptest.Config(t, tdb, nil), withHeaderAuth)
	h := tenantHeader(newTenant(t, tdb))
	badInput := func(t *testing.T, res *apptest.Response, field ...any) {
		t.Helper()
		require.Len(t, res.Errors, 1)
		e := res.Errors[0]
		require.Equal(t, "BAD_USER_INPUT", e.Extensions["code"], e.Message)
		require.Equal(t, field, e.Extensions["field"], e.Message)
		require.NotContains(t, e.Message, "SQL")
		require.NotContains(t, e.Message, "internal error")
	}

	t.Run("NUL byte in a variable", func(t *testing.T) {
		badInput(t, s.Query(t, createRule, map[string]any{"n": "a\x00b"}, h), "input", "name")
		require.Zero(t, ruleCount(t, s, h), "nothing was written")
	})
	t.Run("NUL byte in a literal", func(t *testing.T) {
		res := s.Query(t, `mutation { createAutomationRule(input: {name: "a\u0000b", conditions: {metric: SPEND, windowDays: 1, operator: GT, value: 1},
			actions: [{type: PAUSE_UNDERPERFORMING}]}) { rule { id } } }`, nil, h)
		badInput(t, res, "input", "name")
		require.Equal(t, []any{"createAutomationRule"}, res.Errors[0].Path)
		require.Zero(t, ruleCount(t, s, h), "nothing was written")
	})
	t.Run("NUL byte in an ID", func(t *testing.T) {
		badInput(t, s.Query(t, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": "x\x00"}, h), "id")
	})
	for _, bad := range []string{"yesterday", "99999-01-01T00:00:00Z", "0000-12-31T23:00:00Z", "2025-13-01T00:00:00Z", ""} {
		t.Run("Time "+bad, func(t *testing.T) {
			res := s.Query(t, `query($t: Time) { auditLog(filter: {since: $t}) { totalCount } }`, map[string]any{"t": bad}, h)
			badInput(t, res, "filter", "since")
			res = s.Query(t, `query($t: Time) { trustAuditLog(since: $t) { totalCount } }`, map[string]any{"t": bad}, h)
			badInput(t, res, "since")
		})
	}
	t.Run("positive controls: valid values work", func(t *testing.T) {
		res := s.Query(t, createRule, map[string]any{"n": "a plain rule ✓"}, h)
		require.Empty(t, res.Errors)
		require.Equal(t, "a plain rule ✓", field(t, res.Data, "createAutomationRule", "rule", "name"))
		require.EqualValues(t, 1, ruleCount(t, s, h))
		for _, ok := range []string{"2025-01-31T15:04:05Z", "2025-01-31T15:04:05.123456+02:00", "9999-12-31T00:00:00Z"} {
			res := s.Query(t, `query($t: Time) { auditLog(filter: {since: $t}) { totalCount } trustAuditLog(since: $t) { totalCount } }`,
				map[string]any{"t": ok}, h)
			require.Empty(t, res.Errors, ok)
		}
	})
}

// The probe's anonymous query of 8,000 repeated __typename fields took 8 s
// of validation for one point; the server refuses it before validation
// (internal/gqlserver.SelectionLimit) while GraphiQL's introspection query
// still runs (TestBadInputLeavesServerHealthy).
func TestRepeatedFieldsRefusedBeforeValidation(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, apptest.Config(t, testdb.New(t), nil))
	res := s.Query(t, "{"+strings.Repeat(" __typename", 8000)+" }", nil, nil)
	require.Equal(t, "SELECTION_LIMIT_EXCEEDED", res.Code(), res.Errors)
	res = s.Query(t, introspectionQuery, nil, nil)
	require.Empty(t, res.Errors)
	require.NotNil(t, res.Data["__schema"])
}
