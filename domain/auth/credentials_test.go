package auth

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/db"
	"github.com/stratumhq/stratum/internal/testdb"
)

// TestPasswordCheckFailsClosedWhenTheThrottleFails: when the limiter
// cannot answer, no password is evaluated and the error is returned
// (never a free, unthrottled guess).
func TestPasswordCheckFailsClosedWhenTheThrottleFails(t *testing.T) {
	t.Parallel()
	tdb := testdb.New(t)
	broken, err := db.Open(context.Background(), tdb.AppURL, 1)
	require.NoError(t, err)
	broken.Close()
	cfg := Config{Argon2: Argon2Params{Time: 1, MemoryKiB: 8192, Threads: 1},
		LoginIP: Bucket{Max: 5, Rate: 1}, LoginAccount: Bucket{Max: 5, Rate: 1}}
	s := &Service{DB: tdb.DB, Cfg: cfg, Limiter: &Limiter{DB: broken}}
	_, err = s.LogIn(context.Background(), "someone@a.test", "a wrong password")
	require.Error(t, err)
	require.NotEqual(t, apperr.Unauthenticated, apperr.CodeOf(err), "not answered as a wrong password")
	require.Zero(t, s.hasher().Stats().Total, "nothing was hashed")

	// Positive control: with a working limiter the guess is evaluated.
	s = &Service{DB: tdb.DB, Cfg: cfg, Limiter: &Limiter{DB: tdb.DB}}
	_, err = s.LogIn(context.Background(), "someone@a.test", "a wrong password")
	require.ErrorIs(t, err, ErrBadCredentials)
	require.EqualValues(t, 2, s.hasher().Stats().Total, "the dummy hash and its verification")
}
