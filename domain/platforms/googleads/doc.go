// Package googleads is the Google Ads API (REST) client behind
// platforms.API: OAuth 2.0 with PKCE, the customers a grant can reach
// (directly or through a manager account), campaign structure and daily
// campaign metrics read with GAQL through googleAds:searchStream, and the
// pause / resume / budget / bid mutations.
//
// Wire format, as documented by Google (cited per file):
//
//   - Every call goes to APIBase + "/" + APIVersion, with the headers
//     "Authorization: Bearer <access token>", "developer-token" when one is
//     configured (optional and ignored by Google since developer tokens were
//     sunset on 2026-09-09; a future API version will reject it, so leave
//     STRATUM_GOOGLE_ADS_DEVELOPER_TOKEN empty for new set-ups) and, when
//     the customer is reached through a manager account,
//     "login-customer-id" (the manager's id, Account.ParentID).
//   - Reads are GAQL queries POSTed to customers/{id}/googleAds:searchStream;
//     the response is one JSON array of batches, each with "results" (up to
//     10,000 rows). Structure and insight callbacks run once per batch.
//   - Money is int64 micros on the wire ("costMicros", "amountMicros",
//     "cpcBidMicros" as proto3 JSON int64 strings), except
//     metrics.conversions_value, a double in currency units, which is
//     converted to micros exactly from its decimal text (never a float).
//   - Errors are google.rpc.Status JSON whose details carry a GoogleAdsFailure;
//     they become *platforms.APIError (see errors.go for the classification).
//
// The token endpoint: Google's is https://oauth2.googleapis.com/token,
// while the consent page lives under OAuthBase (https://accounts.google.com)
// at /o/oauth2/v2/auth. New therefore sets Client.TokenURL to Google's
// token endpoint when OAuthBase is https://accounts.google.com, and to
// OAuthBase + "/token" for any other OAuthBase (a fake server or a proxy);
// TokenURL may be overridden after New.
package googleads
