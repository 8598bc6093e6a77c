package observability

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestEveryLineOfARequestCarriesItsID(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := NewLogger(&buf, "debug").With("component", "test")
	ctx := WithRequestID(context.Background(), "req-123")
	log.InfoContext(ctx, "one")
	log.WithGroup("g").DebugContext(ctx, "two", "k", 1)
	log.Info("no request")
	lines := bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n"))
	require.Len(t, lines, 3)
	for i, l := range lines {
		var m map[string]any
		require.NoError(t, json.Unmarshal(l, &m), "line %d is JSON", i)
		if i < 2 {
			require.Equal(t, "req-123", m["request_id"], "line %d", i)
		} else {
			require.NotContains(t, m, "request_id")
		}
	}
}
