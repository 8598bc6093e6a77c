package auth_test

import (
	"encoding/base32"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/domain/auth"
)

func timeNow() time.Time { return time.Now() }

func TestMatchTOTPSkewAndSteps(t *testing.T) {
	t.Parallel()
	secret := base32.StdEncoding.EncodeToString([]byte("12345678901234567890"))
	at := time.Unix(1111111109, 0) // RFC 6238: 07081804 → 081804
	step := auth.TOTPStep(at)
	require.Equal(t, step, auth.MatchTOTP(secret, "081804", at))
	require.Equal(t, step, auth.MatchTOTP(secret, "081804", at.Add(30*time.Second)), "one step late is accepted")
	require.Equal(t, step, auth.MatchTOTP(secret, "081804", at.Add(-30*time.Second)), "one step early is accepted")
	require.Zero(t, auth.MatchTOTP(secret, "081804", at.Add(90*time.Second)), "two steps late is refused")
	require.Zero(t, auth.MatchTOTP(secret, "000000", at))
	require.Zero(t, auth.MatchTOTP(secret, "81804", at))
}

func TestBoxRoundTrip(t *testing.T) {
	t.Parallel()
	box, err := auth.NewBox("ZGV2LW9ubHktZW5jcnlwdGlvbi1rZXktMzJieXRlcyE=")
	require.NoError(t, err)
	sealed, err := box.Seal([]byte("JBSWY3DPEHPK3PXP"))
	require.NoError(t, err)
	require.NotContains(t, string(sealed), "JBSWY3DPEHPK3PXP")
	plain, err := box.Open(sealed)
	require.NoError(t, err)
	require.Equal(t, "JBSWY3DPEHPK3PXP", string(plain))
	sealed[len(sealed)-1] ^= 1
	_, err = box.Open(sealed)
	require.Error(t, err, "tampering is detected")
}
