// Package meta is Stratum's client for the Meta Marketing API (the Graph
// API at a pinned version, Version): it implements platforms.API for
// Facebook and Instagram ad accounts. The client is stateless apart from its
// configuration; tokens and accounts are passed in, and it never touches the
// database.
//
// Wire format (Graph API v25.0, the version the documentation names as
// latest at the time of writing):
//
//   - Auth: every API call carries the user access token in the OAuth 2.0
//     "Authorization: Bearer" header, which graph.facebook.com accepts in
//     place of the access_token parameter the Marketing API examples show
//     (Meta documents the header for other APIs on the same host, e.g. the
//     WhatsApp Cloud API). We choose the header so tokens never sit in
//     URLs, where logs, proxies and Go's transport errors would show them.
//     Every call also carries appsecret_proof, HMAC-SHA256(token, app
//     secret) in hex, which Meta requires when the app enables "Require
//     App Secret". The token endpoint itself takes client_secret as a query
//     parameter, as documented; its transport errors are stripped of the URL.
//     https://developers.facebook.com/docs/graph-api/securing-requests
//     https://developers.facebook.com/docs/whatsapp/cloud-api/get-started
//   - Accounts: GET /me/adaccounts?fields=id,name,currency,timezone_name,account_status.
//     https://developers.facebook.com/docs/marketing-api/reference/ad-account/
//   - Structure: GET /act_<id>/campaigns, /act_<id>/adsets, /act_<id>/ads.
//     https://developers.facebook.com/docs/marketing-api/reference/ad-campaign-group/
//     https://developers.facebook.com/docs/marketing-api/reference/ad-campaign/
//     https://developers.facebook.com/docs/marketing-api/reference/adgroup/
//   - Insights: GET /act_<id>/insights?level=campaign&time_increment=1&time_range={"since","until"}.
//     https://developers.facebook.com/docs/marketing-api/insights
//     https://developers.facebook.com/docs/marketing-api/reference/ad-account/insights/
//   - Paging: cursor-based, "after" = paging.cursors.after, the last page has
//     no paging.next. We never follow paging.next itself (it would carry
//     the host and parameters the server chose).
//     https://developers.facebook.com/docs/graph-api/results
//   - Money: budgets (daily_budget, bid_amount) are integers in the
//     currency's minor unit ("currency offset": 100 for USD, 1 for JPY);
//     insights spend and action_values are decimal strings in the account
//     currency. Both are converted exactly to micros via internal/money.
//     https://developers.facebook.com/docs/marketing-api/currencies
//   - Errors: {"error":{"message","type","code","error_subcode","fbtrace_id","is_transient"}}.
//     Rate limits: codes 4, 17, 32, 613 and 80000–80014, with the wait from
//     X-Business-Use-Case-Usage (estimated_time_to_regain_access, minutes)
//     or X-Ad-Account-Usage (reset_time_duration, seconds).
//     https://developers.facebook.com/docs/graph-api/guides/error-handling
//     https://developers.facebook.com/docs/graph-api/overview/rate-limiting
//     https://developers.facebook.com/docs/marketing-api/overview/rate-limiting
//   - OAuth: the Facebook Login dialog (OAuthBase/<version>/dialog/oauth),
//     code exchange at APIBase/<version>/oauth/access_token, then the
//     short-lived token is exchanged for a long-lived one (≈60 days) with
//     grant_type=fb_exchange_token. Meta issues no refresh tokens: Refresh
//     exchanges the still-valid long-lived token again; an expired token
//     cannot be exchanged and needs the login flow (ErrorAuth). PKCE is
//     documented by Meta only for the OIDC login flow (scope=openid, marked
//     "still in testing"), not for the Marketing API permission grant, so
//     SupportsPKCE is false.
//     https://developers.facebook.com/docs/facebook-login/guides/advanced/manual-flow
//     https://developers.facebook.com/docs/facebook-login/guides/access-tokens/get-long-lived
//     https://developers.facebook.com/documentation/facebook-login/guides/advanced/oidc-token
//
// Conversions: Meta reports many overlapping action types for one purchase
// (omni_purchase, purchase, offsite_conversion.fb_pixel_purchase, …). We take
// the first present of ConversionActionTypes — omni_purchase (Meta's
// de-duplicated cross-channel purchase count), then purchase, then
// offsite_conversion.fb_pixel_purchase — from actions for Conversions and
// from action_values for ConversionValueMicros; never a sum, which would
// count one purchase several times.
//
// Mutations (POST /<campaign_id> status / daily_budget, POST /<adset_id>
// bid_amount) set absolute values, so re-applying one is harmless; the
// Graph API takes no idempotency key, and the executor reads the campaign
// back (Campaign) before retrying.
//
// Callers: the connection, sync and action jobs through platforms.API.
package meta
