package webhook

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestCheckURL(t *testing.T) {
	t.Parallel()
	dev := Policy{AllowHTTP: true, AllowPrivate: true}
	for _, tc := range []struct {
		url  string
		p    Policy
		fail string
	}{
		{url: "https://hooks.example.com/x?y=1", p: Production},
		{url: "https://93.184.216.34:8443/x", p: Production},
		{url: "http://hooks.example.com/x", p: Production, fail: "https"},
		{url: "http://127.0.0.1:9000/x", p: dev},
		{url: "https://127.0.0.1/x", p: Production, fail: "private"},
		{url: "https://10.1.2.3/x", p: Production, fail: "private"},
		{url: "https://169.254.169.254/latest/meta-data", p: Production, fail: "private"},
		{url: "https://[::1]/x", p: Production, fail: "private"},
		{url: "https://[::ffff:127.0.0.1]/x", p: Production, fail: "private"},
		{url: "https://100.64.1.1/x", p: Production, fail: "private"},
		{url: "https://localhost/x", p: Production, fail: "own network"},
		{url: "https://api.localhost./x", p: Production, fail: "own network"},
		{url: "https://user:pw@hooks.example.com/x", p: Production, fail: "user name"},
		{url: "hooks.example.com/x", p: Production, fail: "absolute"},
		{url: "https://hooks.example.com:99999/x", p: Production, fail: "port"},
		{url: "https://hooks.example.com/" + strings.Repeat("a", MaxURLLength), p: Production, fail: "at most"},
		{url: "ftp://hooks.example.com/x", p: dev, fail: "https"},
	} {
		_, err := tc.p.CheckURL(tc.url)
		if tc.fail == "" {
			require.NoError(t, err, tc.url)
			continue
		}
		require.ErrorIs(t, err, ErrForbiddenURL, tc.url)
		require.ErrorContains(t, err, tc.fail, tc.url)
	}
}

func TestPublic(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{"8.8.8.8": true, "2606:4700::1111": true, "127.0.0.1": false, "192.168.1.1": false,
		"172.16.0.1": false, "0.0.0.0": false, "fe80::1": false, "fd00::1": false, "::ffff:10.0.0.1": false, "224.0.0.1": false} {
		require.Equal(t, want, Public(netip.MustParseAddr(s)), s)
	}
}

// TestClientRefusesPrivateAddressesWhenDialing: the dialer checks the
// address it connects to, so a host that passes CheckURL by name but
// resolves to loopback (here: the connection the transport makes to a
// loopback test server, bypassing CheckURL) is refused; a policy that
// allows private addresses reaches the same server.
func TestClientRefusesPrivateAddressesWhenDialing(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()

	strict := NewClient(Production)
	req, _ := http.NewRequest(http.MethodPost, srv.URL, nil)
	_, err := strict.http.Do(req)
	require.ErrorIs(t, err, ErrForbiddenURL)
	require.Zero(t, hits.Load())

	dev := NewClient(Policy{AllowHTTP: true, AllowPrivate: true})
	res, err := dev.Post(context.Background(), srv.URL, nil, []byte(`{}`))
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, res.Status)
	require.EqualValues(t, 1, hits.Load())
}

func TestClientPostsJSONAndFollowsNoRedirect(t *testing.T) {
	t.Parallel()
	var got atomic.Value
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { t.Error("the redirect was followed") }))
	defer target.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got.Store(r.Header.Get("Content-Type") + " " + r.Header.Get("X-Test") + " " + string(b))
		w.Header().Set("Retry-After", "7")
		http.Redirect(w, r, target.URL, http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	c := NewClient(Policy{AllowHTTP: true, AllowPrivate: true})
	res, err := c.Post(context.Background(), srv.URL+"/hook", map[string]string{"X-Test": "yes"}, []byte(`{"a":1}`))
	require.NoError(t, err)
	require.Equal(t, http.StatusTemporaryRedirect, res.Status)
	require.Equal(t, 7*time.Second, res.RetryAfter)
	require.Equal(t, `application/json yes {"a":1}`, got.Load())
}

func TestClientErrorsDoNotNameTheURL(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	url := srv.URL + "/services/T000/B000/very-secret-token"
	srv.Close() // nothing listens any more
	c := NewClient(Policy{AllowHTTP: true, AllowPrivate: true})
	_, err := c.Post(context.Background(), url, nil, []byte(`{}`))
	require.Error(t, err)
	require.NotContains(t, err.Error(), "very-secret-token")
	require.NotContains(t, err.Error(), "127.0.0.1")
}

func TestSignAndVerify(t *testing.T) {
	t.Parallel()
	secret, body := []byte("whsec_test"), []byte(`{"type":"test"}`)
	at := time.Unix(1_800_000_000, 0)
	h := Sign(secret, at, body)
	require.True(t, strings.HasPrefix(h, "t=1800000000,v1="), h)
	require.NoError(t, Verify(secret, h, body, at.Add(4*time.Minute), Tolerance))
	for name, err := range map[string]error{
		"other body":      Verify(secret, h, []byte(`{"type":"tampered"}`), at, Tolerance),
		"other secret":    Verify([]byte("whsec_other"), h, body, at, Tolerance),
		"too late":        Verify(secret, h, body, at.Add(6*time.Minute), Tolerance),
		"too early":       Verify(secret, h, body, at.Add(-6*time.Minute), Tolerance),
		"no timestamp":    Verify(secret, h[strings.Index(h, ",")+1:], body, at, Tolerance),
		"garbled":         Verify(secret, "nonsense", body, at, Tolerance),
		"timestamp moved": Verify(secret, strings.Replace(h, "t=1800000000", "t=1800000060", 1), body, at, Tolerance),
	} {
		require.Error(t, err, name)
		require.True(t, errors.Is(err, ErrNoSignature) || errors.Is(err, ErrBadTimestamp), name)
	}
}
