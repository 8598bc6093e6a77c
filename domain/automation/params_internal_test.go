package automation

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// Every built-in parameter has a range, and its default is inside it.
func TestBuiltinDefaultsAreInTheirRanges(t *testing.T) {
	t.Parallel()
	names := map[string]bool{}
	for _, r := range builtinRules {
		for name, v := range r.Params {
			require.NoError(t, checkBuiltinParam([]string{"input", "params", name}, name, v), "%s.%s", *r.Builtin, name)
			names[name] = true
		}
	}
	require.Len(t, names, len(builtinParamRanges), "no range without its parameter")
}
