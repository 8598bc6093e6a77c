package audiences

import (
	"context"
	"encoding/json"
	"github.com/stratumhq/stratum/internal/derrors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/stratumhq/stratum/domain/platforms"
)

// Meta Custom Audiences (Marketing API, customer file custom audiences):
//
//	POST   {base}/{ver}/act_{account}/customaudiences  name, subtype=CUSTOM, customer_file_source, description
//	POST   {base}/{ver}/{audience_id}/users            payload={"schema": [...], "data": [[...], ...]}
//	DELETE {base}/{ver}/{audience_id}/users            the same payload
//
// Form-encoded with access_token, as the Graph API takes it. The payload is
// multi-key: schema ["EMAIL", "PHONE"], each data row one person's SHA-256
// digests ("" where the person has none). At most 10,000 rows a request
// ("You can add an unlimited number of records … but only up to 10000 at a
// time", developers.facebook.com/docs/marketing-api/audiences/guides/custom-audiences).

// MetaVersion is the Graph API version (the one domain/platforms/meta pins).
const MetaVersion = "v25.0"

// MetaMaxBatch is Meta's per-request limit of records.
const MetaMaxBatch = 10000

// MetaSchema is the payload's schema.
var MetaSchema = []string{"EMAIL", "PHONE"}

// Meta is the Custom Audiences client.
type Meta struct {
	Base  string
	HTTP  *http.Client
	Limit int
}

var _ Client = (*Meta)(nil)

// MaxBatch implements Client.
func (c *Meta) MaxBatch() int { return c.Limit }

// Create implements Client.
func (c *Meta) Create(ctx context.Context, t Target, name, description string) (_ string, err error) {
	defer derrors.Wrap(&err, "audiences.Meta.Create(%s)", t.Account)
	form := url.Values{"name": {name}, "subtype": {"CUSTOM"}, "customer_file_source": {"USER_PROVIDED_ONLY"},
		"description": {description}, "access_token": {t.Token}}
	req, err := http.NewRequest(http.MethodPost, c.Base+"/"+MetaVersion+"/act_"+strings.TrimPrefix(t.Account, "act_")+"/customaudiences",
		strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	var out struct {
		ID string `json:"id"`
	}
	if err := exchange(ctx, c.HTTP, platforms.Meta, req, &out, metaError); err != nil {
		return "", err
	}
	if out.ID == "" {
		return "", &platforms.APIError{Platform: platforms.Meta, Kind: platforms.ErrorTransient, Code: "BAD_RESPONSE", Message: "Meta answered without the audience's id"}
	}
	return out.ID, nil
}

// MetaPayload is the users edge's payload.
type MetaPayload struct {
	Schema []string   `json:"schema"`
	Data   [][]string `json:"data"`
}

// Upload implements Client.
func (c *Meta) Upload(ctx context.Context, t Target, op Op, users []User) (_ string, err error) {
	defer derrors.Wrap(&err, "audiences.Meta.Upload(%s, %s, %d users)", t.AudienceID, op, len(users))
	if t.AudienceID == "" {
		return "", errNoAudience
	}
	p := MetaPayload{Schema: MetaSchema, Data: make([][]string, len(users))}
	for i, u := range users {
		p.Data[i] = []string{u.Email, u.Phone}
	}
	b, err := json.Marshal(p)
	if err != nil {
		return "", err
	}
	method := http.MethodPost
	if op == OpRemove {
		method = http.MethodDelete
	}
	form := url.Values{"payload": {string(b)}, "access_token": {t.Token}}
	req, err := http.NewRequest(method, c.Base+"/"+MetaVersion+"/"+url.PathEscape(t.AudienceID)+"/users", strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	var out struct {
		NumReceived int `json:"num_received"`
	}
	if err := exchange(ctx, c.HTTP, platforms.Meta, req, &out, metaError); err != nil {
		return "", err
	}
	if out.NumReceived != len(users) {
		return "", &platforms.APIError{Platform: platforms.Meta, Kind: platforms.ErrorTransient, Code: "PARTIAL",
			Message: "Meta received " + strconv.Itoa(out.NumReceived) + " of " + strconv.Itoa(len(users)) + " records"}
	}
	return "", nil
}

// Finish implements Client (nothing to finish).
func (c *Meta) Finish(context.Context, Target) error { return nil }

// metaError reads Graph API's error envelope: rate limits (codes 4, 17, 32,
// 613, 80003), transient (1, 2, is_transient), auth (190, 102), the rest
// permanent with Meta's words.
func metaError(status int, body []byte, retry time.Duration) *platforms.APIError {
	if status/100 == 2 {
		return nil
	}
	var env struct {
		Error *struct {
			Message     string `json:"message"`
			UserMessage string `json:"error_user_msg"`
			Code        int    `json:"code"`
			Transient   bool   `json:"is_transient"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &env) != nil || env.Error == nil {
		return nil
	}
	e := env.Error
	msg := e.Message
	if e.UserMessage != "" {
		msg += ": " + e.UserMessage
	}
	out := &platforms.APIError{Platform: platforms.Meta, HTTPStatus: status, Code: strconv.Itoa(e.Code), Message: clip(msg, 1000), RetryAfter: retry, Kind: platforms.ErrorPermanent}
	switch {
	case e.Code == 4 || e.Code == 17 || e.Code == 32 || e.Code == 613 || e.Code == 80003 || status == http.StatusTooManyRequests:
		out.Kind = platforms.ErrorRateLimited
	case e.Transient || e.Code == 1 || e.Code == 2 || status >= 500:
		out.Kind = platforms.ErrorTransient
	case e.Code == 190 || e.Code == 102:
		out.Kind = platforms.ErrorAuth
	}
	return out
}
