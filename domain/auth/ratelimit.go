package auth

import (
	"context"
	"math"

	"github.com/stratumhq/stratum/internal/db"
)

// Bucket is a token bucket's shape: Max points, restoring Rate per second.
type Bucket struct {
	Max  float64
	Rate float64
}

// Limiter keeps token buckets in PostgreSQL (rate_limit_buckets), so a limit
// holds across every replica. Each Take is one statement.
type Limiter struct{ DB *db.DB }

// Take removes cost points from the bucket key (created full) when it holds
// at least cost, and returns whether it did and how many points remain (or
// are available, when refused).
func (l *Limiter) Take(ctx context.Context, key string, b Bucket, cost float64) (ok bool, available float64, err error) {
	if cost > b.Max {
		avail, err := l.Available(ctx, key, b)
		return false, avail, err
	}
	var left []float64
	err = l.DB.Bun.NewRaw(`
		INSERT INTO rate_limit_buckets AS r (key, tokens, updated_at) VALUES (?0, ?1::float8 - ?3::float8, clock_timestamp())
		ON CONFLICT (key) DO UPDATE
		SET tokens = LEAST(?1::float8, r.tokens + EXTRACT(EPOCH FROM clock_timestamp() - r.updated_at) * ?2::float8) - ?3::float8,
		    updated_at = clock_timestamp()
		WHERE LEAST(?1::float8, r.tokens + EXTRACT(EPOCH FROM clock_timestamp() - r.updated_at) * ?2::float8) >= ?3::float8
		RETURNING tokens`, key, b.Max, b.Rate, cost).Scan(ctx, &left)
	if err != nil {
		return false, 0, err
	}
	if len(left) == 1 {
		return true, math.Max(0, left[0]), nil
	}
	avail, err := l.Available(ctx, key, b)
	return false, avail, err
}

// Available returns the points the bucket holds now, without taking any.
func (l *Limiter) Available(ctx context.Context, key string, b Bucket) (float64, error) {
	var avail []float64
	err := l.DB.Bun.NewRaw(`SELECT LEAST(?1::float8, tokens + EXTRACT(EPOCH FROM clock_timestamp() - updated_at) * ?2::float8)
		FROM rate_limit_buckets WHERE key = ?0`, key, b.Max, b.Rate).Scan(ctx, &avail)
	if err != nil {
		return 0, err
	}
	if len(avail) == 0 {
		return b.Max, nil
	}
	return math.Max(0, avail[0]), nil
}
