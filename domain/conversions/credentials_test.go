package conversions

import (
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/relay"
)

const secret = "s3cretTokenValue"

func TestValidateCredentials(t *testing.T) {
	t.Parallel()
	conn := relay.GlobalID(relay.TypePlatformConnection, uuid.New())
	valid := map[string]map[string]string{
		"META":     {"pixelId": "123456789012345", "accessToken": secret},
		"GOOGLE":   {"customerId": "123-456-7890", "conversionActionId": "42", "developerToken": secret, "refreshToken": secret},
		"TIKTOK":   {"pixelCode": "C4ABCDEF", "accessToken": secret},
		"SNAPCHAT": {"pixelId": "3f1a2b4c-5d6e-7f80-9a1b-2c3d4e5f6a7b", "accessToken": secret},
	}
	with := func(p string, change func(c map[string]string)) map[string]string {
		c := map[string]string{}
		for k, v := range valid[p] {
			c[k] = v
		}
		change(c)
		return c
	}
	for p, c := range valid {
		require.NoError(t, ValidateCredentials(p, c), "positive control: %s", p)
	}
	require.NoError(t, ValidateCredentials("GOOGLE", with("GOOGLE", func(c map[string]string) {
		delete(c, "refreshToken")
		c["connectionId"] = conn
		c["loginCustomerId"] = "9876543210"
	})))
	cases := []struct {
		name, platform string
		creds          map[string]string
		key            string
	}{
		{"unknown platform", "SIMULATOR", valid["META"], ""},
		{"unknown key", "META", with("META", func(c map[string]string) { c["appSecret"] = secret }), "appSecret"},
		{"missing pixel", "META", with("META", func(c map[string]string) { delete(c, "pixelId") }), "pixelId"},
		{"pixel not digits", "META", with("META", func(c map[string]string) { c["pixelId"] = "12a" }), "pixelId"},
		{"empty token", "META", with("META", func(c map[string]string) { c["accessToken"] = "  " }), "accessToken"},
		{"token with a newline", "META", with("META", func(c map[string]string) { c["accessToken"] = secret + "\nx" }), "accessToken"},
		{"token too long", "TIKTOK", with("TIKTOK", func(c map[string]string) { c["accessToken"] = strings.Repeat("x", MaxCredentialValue+1) }), "accessToken"},
		{"customer id 9 digits", "GOOGLE", with("GOOGLE", func(c map[string]string) { c["customerId"] = "123456789" }), "customerId"},
		{"customer id letters", "GOOGLE", with("GOOGLE", func(c map[string]string) { c["customerId"] = "abc-def-ghij" }), "customerId"},
		{"login customer id", "GOOGLE", with("GOOGLE", func(c map[string]string) { c["loginCustomerId"] = "1" }), "loginCustomerId"},
		{"no google auth", "GOOGLE", with("GOOGLE", func(c map[string]string) { delete(c, "refreshToken") }), "refreshToken"},
		{"two google auths", "GOOGLE", with("GOOGLE", func(c map[string]string) { c["connectionId"] = conn }), "connectionId"},
		{"connection id of another type", "GOOGLE", with("GOOGLE", func(c map[string]string) {
			delete(c, "refreshToken")
			c["connectionId"] = relay.GlobalID(relay.TypeSegment, uuid.New())
		}), "connectionId"},
		{"tiktok pixel code", "TIKTOK", with("TIKTOK", func(c map[string]string) { c["pixelCode"] = "C4-" + secret }), "pixelCode"},
		{"snapchat pixel", "SNAPCHAT", with("SNAPCHAT", func(c map[string]string) { c["pixelId"] = secret }), "pixelId"},
	}
	for _, c := range cases {
		err := ValidateCredentials(c.platform, c.creds)
		e, ok := apperr.As(err)
		require.True(t, ok, "%s: %v", c.name, err)
		require.Equal(t, apperr.BadUserInput, e.Code, c.name)
		want := []string{"input", "credentials", c.key}
		if c.key == "" {
			want = []string{"input", "platform"}
		}
		require.Equal(t, want, e.Field, "%s: %s", c.name, e.Message)
		require.NotContains(t, e.Message, secret, c.name)
	}
}

func TestMergeAndNormalizeCredentials(t *testing.T) {
	t.Parallel()
	stored := map[string]string{"customerId": "1234567890", "refreshToken": "r", "developerToken": "d"}
	got := mergeCredentials(stored, map[string]string{"refreshToken": "", "accessToken": "a", "developerToken": "d2"})
	require.Equal(t, map[string]string{"customerId": "1234567890", "accessToken": "a", "developerToken": "d2"}, got)
	require.Equal(t, "r", stored["refreshToken"], "the stored map is not changed")
	require.Equal(t, map[string]string{"customerId": "1234567890", "loginCustomerId": "1112223333"},
		normalizeCredentials("GOOGLE", map[string]string{"customerId": " 123-456-7890 ", "loginCustomerId": "111-222-3333"}))
	require.Equal(t, "the [redacted] is invalid", redact("the "+secret+" is invalid", map[string]string{"accessToken": secret}))
}

func TestCheckBaseURL(t *testing.T) {
	t.Parallel()
	dev, prod := &Destinations{AllowLoopbackHTTP: true}, &Destinations{}
	for _, c := range []struct {
		raw       string
		dev, prod string // the accepted form, "" when refused
	}{
		{"https://graph.facebook.com/", "https://graph.facebook.com", "https://graph.facebook.com"},
		{"https://business-api.tiktok.com/open_api", "https://business-api.tiktok.com/open_api", "https://business-api.tiktok.com/open_api"},
		{"http://127.0.0.1:8081/meta", "http://127.0.0.1:8081/meta", ""},
		{"http://[::1]:9000", "http://[::1]:9000", ""},
		{"http://localhost:9000", "http://localhost:9000", ""},
		{"https://127.0.0.1:9000", "https://127.0.0.1:9000", ""},
		{"http://example.com", "", ""},
		{"https://10.1.2.3", "", ""},
		{"https://169.254.169.254/latest", "", ""},
		{"https://user:pw@example.com", "", ""},
		{"http://user:pw@127.0.0.1:9000", "", ""},
		{"https://example.com/?x=1", "", ""},
		{"https://example.com/#f", "", ""},
		{"ftp://example.com", "", ""},
		{"graph.facebook.com", "", ""},
	} {
		for _, env := range []struct {
			d    *Destinations
			want string
		}{{dev, c.dev}, {prod, c.prod}} {
			got, err := env.d.CheckBaseURL(c.raw)
			if env.want == "" {
				e, ok := apperr.As(err)
				require.True(t, ok, "%s (loopback http %v): %v", c.raw, env.d.AllowLoopbackHTTP, err)
				require.Equal(t, []string{"input", "baseUrl"}, e.Field)
				continue
			}
			require.NoError(t, err, c.raw)
			require.Equal(t, env.want, got)
		}
	}
}
