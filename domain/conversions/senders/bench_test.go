package senders_test

import (
	"context"
	"testing"

	"github.com/stratumhq/stratum/domain/conversions/capifake"
	"github.com/stratumhq/stratum/domain/platforms"
)

// BenchmarkMetaSend measures the Meta sender (normalise, hash, encode,
// POST 1,000-event batches) against the validating fake, and the same
// against the fake in Raw mode: the wire layer's share of the forwarding
// benchmark's budget. events/s counts events accepted.
func BenchmarkMetaSend(b *testing.B) {
	for _, mode := range []struct {
		name string
		opts []capifake.Option
	}{{"validating", nil}, {"raw", []capifake.Option{capifake.Raw()}}} {
		b.Run(mode.name, func(b *testing.B) {
			f := fakeOf(b, platforms.Meta, mode.opts...)
			s := senderFor(b, f, platforms.Meta)
			evs := batch(platforms.Meta, 1000)
			d := f.Destination()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.Send(context.Background(), d, evs); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(f.Count())/b.Elapsed().Seconds(), "events/s")
		})
	}
}
