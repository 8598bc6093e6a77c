package conversions

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestStrIsFirstScalarOfGet checks str's tree walk against its definition
// (the first scalar among get's values, trimmed) on random trees with
// nested objects, arrays of objects, scalars and nulls, including paths
// that fan out over arrays.
func TestStrIsFirstScalarOfGet(t *testing.T) {
	keys := []string{"a", "b", "c"}
	r := rand.New(rand.NewPCG(7, 11))
	var gen func(depth int) any
	gen = func(depth int) any {
		switch n := r.IntN(6); {
		case depth > 3 || n == 0:
			return fmt.Sprintf(" v%d ", r.IntN(100))
		case n == 1:
			return json.Number(fmt.Sprint(r.IntN(100)))
		case n == 2:
			return nil
		case n == 3:
			arr := make([]any, r.IntN(3))
			for i := range arr {
				arr[i] = gen(depth + 1)
			}
			return arr
		default:
			m := map[string]any{}
			for _, k := range keys {
				if r.IntN(2) == 0 {
					m[k] = gen(depth + 1)
				}
			}
			return m
		}
	}
	hits := 0
	for i := 0; i < 3000; i++ {
		tree := eventTree{}
		for _, k := range keys {
			tree[k] = gen(0)
		}
		parts := make([]string, 1+r.IntN(4))
		for j := range parts {
			parts[j] = keys[r.IntN(len(keys))]
		}
		path := strings.Join(parts, ".")
		want := ""
		for _, v := range tree.get(path) {
			if s, ok := jsonScalar(v); ok {
				want = strings.TrimSpace(s)
				break
			}
		}
		if got := tree.str(path); got != want {
			t.Fatalf("str(%q) = %q, want %q in %v", path, got, want, tree)
		}
		if want != "" {
			hits++
		}
	}
	if hits < 300 {
		t.Fatalf("only %d of 3000 paths found a scalar: the test exercises too little", hits)
	}
}

// BenchmarkMap measures mapping one browser-SDK Order Completed event to
// Meta's Purchase (parse, field lookups, user data, click ids).
func BenchmarkMap(b *testing.B) {
	ev := CDPEvent{MessageID: "m-1", Type: "track", Event: "Order Completed", UserID: "u-1", Timestamp: time.Now(),
		Properties: json.RawMessage(`{"revenue": 12.5, "currency": "EUR", "order_id": "o-1", "products": [{"product_id": "p1"}, {"product_id": "p2"}]}`),
		Traits:     json.RawMessage(`{"email": " Buyer@Example.com "}`),
		Context: json.RawMessage(`{"ip": "203.0.113.7", "userAgent": "Mozilla/5.0", "page": {"url": "https://shop.example/done?fbclid=abc"},
			"library": {"name": "analytics.js"}}`)}
	b.ReportAllocs()
	for b.Loop() {
		if _, ok, reason := Map("META", nil, ev); !ok || reason != "" {
			b.Fatal(ok, reason)
		}
	}
}

// parseEvent decodes as encoding/json with UseNumber does, value for
// value, and refuses what it refuses; the seeds below run in every test
// run (go test -fuzz FuzzParseEventAgreesWithEncodingJSON explores more).
func FuzzParseEventAgreesWithEncodingJSON(f *testing.F) {
	for _, s := range []string{
		`{}`, `{"a":1}`, `{"a":{"b":[1,2,{"c":null}]},"d":true,"e":false}`,
		`{"n":-0.5e+10,"m":12345678901234567890,"z":0}`,
		`{"s":"caf\u00e9 \ud83d\ude00 \"q\" \\ \/ \b\f\n\r\t"}`, `{"lone":"\ud800x"}`,
		"{\"bad utf8\":\"\xff\xfe\"}", `{"dup":1,"dup":2}`, `{"a":[]}`, `{"a":[[],[{}]]}`,
		` { "ws" : [ 1 , 2 ] } `, `[]`, `"str"`, `1`, `null`, `{"a":}`, `{"a":1,}`, `{"a":1} x`, `{`, `{"a":tru}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		got, gotErr := parseEvent(CDPEvent{Properties: raw})
		d := json.NewDecoder(bytes.NewReader(bytes.TrimSpace(raw)))
		d.UseNumber()
		var want map[string]any
		wantErr := d.Decode(&want)
		if wantErr == nil && d.More() {
			wantErr = errors.New("trailing data")
		}
		if wantErr == nil {
			var rest any
			if d.Decode(&rest) != io.EOF {
				wantErr = errors.New("trailing data")
			}
		}
		trimmed := bytes.TrimSpace(raw)
		if len(trimmed) == 0 || string(trimmed) == "null" {
			if gotErr != nil || got["properties"] != nil {
				t.Fatalf("%q: want no properties, got %v, %v", raw, got, gotErr)
			}
			return
		}
		if (gotErr != nil) != (wantErr != nil) {
			t.Fatalf("%q: parseEvent error %v, encoding/json error %v", raw, gotErr, wantErr)
		}
		if gotErr == nil && !reflect.DeepEqual(got["properties"], want) {
			t.Fatalf("%q: parseEvent %#v, encoding/json %#v", raw, got["properties"], want)
		}
	})
}
