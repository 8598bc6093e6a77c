package audiences

import (
	"context"
	"encoding/json"
	"github.com/stratumhq/stratum/internal/derrors"
	"net/http"
	"strconv"
	"time"

	"github.com/stratumhq/stratum/domain/platforms"
)

// TikTok audience segments (Marketing API v1.3, the "Streaming API" for
// incremental customer lists):
//
//	POST {base}/open_api/v1.3/segment/audience/  {advertiser_id, action: "create", custom_audience_name}
//	POST {base}/open_api/v1.3/segment/mapping/   {advertiser_ids, action: "add"|"delete", id_schema, batch_data}
//
// Access-Token header; answers are the {code, message, request_id, data}
// envelope (code 0: accepted). batch_data is a list of users, each a list
// with one {id, audience_ids} per id_schema entry. Stratum sends one
// schema per request (["EMAIL_SHA256"], then ["PHONE_SHA256"]), so no user
// needs a placeholder for an identifier it lacks. Digests are SHA-256 of
// match's TikTok normal form (email lower-cased, phone E.164 with "+").
// Per-request limit: 10,000 users (TikTok's reference is behind its
// business portal; the bound is our assumption, docs/adr/0023).

// TikTokMaxBatch is the per-request limit of users.
const TikTokMaxBatch = 10000

// TikTok is the audience segment client.
type TikTok struct {
	Base  string
	HTTP  *http.Client
	Limit int
}

var _ Client = (*TikTok)(nil)

// MaxBatch implements Client.
func (c *TikTok) MaxBatch() int { return c.Limit }

func (c *TikTok) post(ctx context.Context, t Target, path string, body, out any) error {
	req, err := jsonRequest(http.MethodPost, c.Base+"/open_api/v1.3/"+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Access-Token", t.Token)
	env := struct {
		Code    int             `json:"code"`
		Message string          `json:"message"`
		Data    json.RawMessage `json:"data"`
	}{}
	if err := exchange(ctx, c.HTTP, platforms.TikTok, req, &env, tiktokError); err != nil {
		return err
	}
	if out != nil && len(env.Data) > 0 {
		if err := json.Unmarshal(env.Data, out); err != nil {
			return &platforms.APIError{Platform: platforms.TikTok, Kind: platforms.ErrorTransient, Code: "BAD_RESPONSE", Message: "TikTok's data was not the JSON expected"}
		}
	}
	return nil
}

// Create implements Client.
func (c *TikTok) Create(ctx context.Context, t Target, name, _ string) (_ string, err error) {
	defer derrors.Wrap(&err, "audiences.TikTok.Create(%s)", t.Account)
	var out struct {
		AudienceID json.Number `json:"audience_id"`
	}
	if err := c.post(ctx, t, "segment/audience/", map[string]any{"advertiser_id": t.Account, "action": "create",
		"custom_audience_name": name}, &out); err != nil {
		return "", err
	}
	if out.AudienceID == "" {
		return "", &platforms.APIError{Platform: platforms.TikTok, Kind: platforms.ErrorTransient, Code: "BAD_RESPONSE", Message: "TikTok answered without the audience's id"}
	}
	return out.AudienceID.String(), nil
}

// TikTokMapping is one user's id for one schema entry.
type TikTokMapping struct {
	ID          string   `json:"id"`
	AudienceIDs []string `json:"audience_ids"`
}

// TikTokMappingRequest is segment/mapping's body.
type TikTokMappingRequest struct {
	AdvertiserIDs []string          `json:"advertiser_ids"`
	Action        string            `json:"action"`
	IDSchema      []string          `json:"id_schema"`
	BatchData     [][]TikTokMapping `json:"batch_data"`
}

// Upload implements Client: one request per identifier kind present.
func (c *TikTok) Upload(ctx context.Context, t Target, op Op, users []User) (_ string, err error) {
	defer derrors.Wrap(&err, "audiences.TikTok.Upload(%s, %s, %d users)", t.AudienceID, op, len(users))
	if t.AudienceID == "" {
		return "", errNoAudience
	}
	action := "add"
	if op == OpRemove {
		action = "delete"
	}
	for _, kind := range []struct {
		schema string
		get    func(User) string
	}{{"EMAIL_SHA256", func(u User) string { return u.Email }}, {"PHONE_SHA256", func(u User) string { return u.Phone }}} {
		var data [][]TikTokMapping
		for _, u := range users {
			if v := kind.get(u); v != "" {
				data = append(data, []TikTokMapping{{ID: v, AudienceIDs: []string{t.AudienceID}}})
			}
		}
		if len(data) == 0 {
			continue
		}
		body := TikTokMappingRequest{AdvertiserIDs: []string{t.Account}, Action: action, IDSchema: []string{kind.schema}, BatchData: data}
		if err := c.post(ctx, t, "segment/mapping/", body, nil); err != nil {
			return "", err
		}
	}
	return "", nil
}

// Finish implements Client (nothing to finish).
func (c *TikTok) Finish(context.Context, Target) error { return nil }

// tiktokError reads the envelope (also in a 200): code 0 accepted, 40100
// rate limited, 40104/40105 (token) and 40001 (permission) auth, 5xxxx
// transient, any other code permanent.
func tiktokError(status int, body []byte, retry time.Duration) *platforms.APIError {
	var env struct {
		Code    *int   `json:"code"`
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &env) != nil || env.Code == nil {
		return nil
	}
	if *env.Code == 0 && status/100 == 2 {
		return nil
	}
	e := &platforms.APIError{Platform: platforms.TikTok, HTTPStatus: status, Code: strconv.Itoa(*env.Code), Message: clip(env.Message, 1000),
		RetryAfter: retry, Kind: platforms.ErrorPermanent}
	switch c := *env.Code; {
	case c == 40100 || status == http.StatusTooManyRequests:
		e.Kind = platforms.ErrorRateLimited
	case c >= 50000 || status >= 500:
		e.Kind = platforms.ErrorTransient
	case c == 40104 || c == 40105 || c == 40001:
		e.Kind = platforms.ErrorAuth
	}
	return e
}
