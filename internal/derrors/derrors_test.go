package derrors_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/derrors"
)

var errBoom = errors.New("boom")

// op fails with fail (or succeeds when it is nil), naming itself like a
// domain method does.
func op(id int, fail error) (err error) {
	defer derrors.Wrap(&err, "pkg.Service.Op(%d)", id)
	return fail
}

func TestWrap(t *testing.T) {
	t.Parallel()

	t.Run("a nil error stays nil", func(t *testing.T) {
		t.Parallel()
		require.NoError(t, op(1, nil))
	})

	t.Run("an error is prefixed with the operation and its arguments", func(t *testing.T) {
		t.Parallel()
		err := op(7, errBoom)
		require.EqualError(t, err, "pkg.Service.Op(7): boom")
		require.ErrorIs(t, err, errBoom, "the chain is kept")
		require.NotSame(t, errBoom, err)
	})

	t.Run("typed errors are still found, with their message", func(t *testing.T) {
		t.Parallel()
		err := op(2, apperr.NotFoundf("thing not found"))
		e, ok := apperr.As(err)
		require.True(t, ok)
		require.Equal(t, apperr.NotFound, e.Code)
		require.Equal(t, "thing not found", e.Message)
		require.Equal(t, apperr.NotFound, apperr.CodeOf(err))
	})

	t.Run("nested operations read outermost first", func(t *testing.T) {
		t.Parallel()
		outer := func() (err error) {
			defer derrors.Wrap(&err, "pkg.Outer")
			return op(3, errBoom)
		}
		err := outer()
		require.EqualError(t, err, "pkg.Outer: pkg.Service.Op(3): boom")
		require.ErrorIs(t, err, errBoom)
	})

	t.Run("a format without arguments is used as it is", func(t *testing.T) {
		t.Parallel()
		var err error = errBoom
		derrors.Wrap(&err, "pkg.F")
		require.EqualError(t, err, "pkg.F: boom")
	})
}
