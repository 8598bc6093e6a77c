package audiences_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/domain/audiences"
	"github.com/stratumhq/stratum/domain/audiences/audiencefake"
	"github.com/stratumhq/stratum/domain/platforms"
)

// accounts are a valid account id per platform, as the fake checks them.
var accounts = map[string]string{platforms.Meta: "1001", platforms.Google: "1234567890", platforms.TikTok: "7001",
	platforms.Snapchat: "8adc3db7-8148-4fbf-999c-8d2266369d74"}

// TestClientsRoundTrip creates an audience on each platform's fake, adds
// three people in batches of the platform's (lowered) limit and removes
// one: the fake, which fails the test on any malformed request, holds
// exactly the others' digests.
func TestClientsRoundTrip(t *testing.T) {
	t.Parallel()
	for _, p := range platforms.Real {
		t.Run(p, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			fake := audiencefake.New(t)
			fake.Limits[p] = 2
			bases := map[string]string{p: fake.URL}
			c := audiences.NewClients(audiences.Config{Bases: bases, MaxBatch: 2, GoogleDeveloperToken: audiencefake.DeveloperToken})[p]
			tg := audiences.Target{Token: audiencefake.Token, Account: accounts[p]}
			id, err := c.Create(ctx, tg, "Stratum: VIP", "test")
			require.NoError(t, err)
			tg.AudienceID = id
			users := []audiences.User{{Email: sha("a"), Phone: sha("1")}, {Email: sha("b")}, {Phone: sha("3")}}
			for i := 0; i < len(users); i += c.MaxBatch() {
				job, err := c.Upload(ctx, tg, audiences.OpAdd, users[i:min(len(users), i+c.MaxBatch())])
				require.NoError(t, err)
				tg.Job = job
			}
			job, err := c.Upload(ctx, tg, audiences.OpRemove, users[1:2])
			require.NoError(t, err)
			tg.Job = job
			require.NoError(t, c.Finish(ctx, tg))
			require.ElementsMatch(t, []string{sha("a"), sha("1"), sha("3")}, fake.Members(id))
			require.Zero(t, fake.Rejected)
		})
	}
}

// TestFakesRejectWrongPayloads is the fakes' positive control: each
// refuses a request breaking its platform's rules (a digest in upper case,
// a clear email, too many records, a wrong token, an unknown schema).
func TestFakesRejectWrongPayloads(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cases := []struct {
		platform string
		users    []audiences.User
		token    string
	}{
		{platforms.Meta, []audiences.User{{Email: strings.ToUpper(sha("a"))}}, audiencefake.Token},
		{platforms.Meta, []audiences.User{{Email: "ann@shop.test"}}, audiencefake.Token},
		{platforms.Meta, []audiences.User{{Email: sha("a")}, {Email: sha("b")}, {Email: sha("c")}}, audiencefake.Token},
		{platforms.Meta, []audiences.User{{Email: sha("a")}}, "wrong"},
		{platforms.Google, []audiences.User{{Email: "ann@shop.test"}}, audiencefake.Token},
		{platforms.Google, []audiences.User{{Email: sha("a")}, {Email: sha("b")}, {Email: sha("c")}}, audiencefake.Token},
		{platforms.TikTok, []audiences.User{{Phone: "+16505550001"}}, audiencefake.Token},
		{platforms.TikTok, []audiences.User{{Email: sha("a")}, {Email: sha("b")}, {Email: sha("c")}}, audiencefake.Token},
		{platforms.Snapchat, []audiences.User{{Email: sha("a")[:63]}}, audiencefake.Token},
		{platforms.Snapchat, []audiences.User{{Email: sha("a"), Phone: sha("1")}, {Email: sha("b"), Phone: sha("2")}}, audiencefake.Token},
		{platforms.Snapchat, []audiences.User{{Email: sha("a")}}, "wrong"},
	}
	for _, tc := range cases {
		fake := audiencefake.New(t)
		fake.Limits[tc.platform] = 2
		fake.Limits["SNAPCHAT"] = 3 // identifiers
		c := audiences.NewClients(audiences.Config{Bases: map[string]string{tc.platform: fake.URL}, MaxBatch: 1000,
			GoogleDeveloperToken: audiencefake.DeveloperToken})[tc.platform]
		tg := audiences.Target{Token: audiencefake.Token, Account: accounts[tc.platform]}
		id, err := c.Create(ctx, tg, "Stratum: VIP", "test")
		require.NoError(t, err)
		tg.AudienceID, tg.Token = id, tc.token
		fake.Strict = false
		_, err = c.Upload(ctx, tg, audiences.OpAdd, tc.users)
		var ae *platforms.APIError
		require.True(t, errors.As(err, &ae), "%s %+v: the fake accepted a wrong request (%v)", tc.platform, tc.users, err)
		require.NotEqual(t, platforms.ErrorTransient, ae.Kind, "%s: a malformed request is not retried", tc.platform)
		require.Equal(t, 1, fake.Rejected, tc.platform)
		require.Empty(t, fake.Members(id), tc.platform)
	}
}

// TestRetryAfterIsRead checks a 429's Retry-After reaches the caller.
func TestRetryAfterIsRead(t *testing.T) {
	t.Parallel()
	fake := audiencefake.New(t)
	c := audiences.NewClients(audiences.Config{Bases: map[string]string{platforms.Snapchat: fake.URL}})[platforms.Snapchat]
	fake.FailNext(http.StatusTooManyRequests, 12)
	_, err := c.Create(context.Background(), audiences.Target{Token: audiencefake.Token, Account: accounts[platforms.Snapchat]}, "x", "y")
	var ae *platforms.APIError
	require.True(t, errors.As(err, &ae))
	require.Equal(t, platforms.ErrorRateLimited, ae.Kind)
	require.EqualValues(t, 12, ae.RetryAfter.Seconds())
}
