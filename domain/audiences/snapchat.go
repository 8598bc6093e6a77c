package audiences

import (
	"context"
	"encoding/json"
	"github.com/stratumhq/stratum/internal/derrors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/stratumhq/stratum/domain/platforms"
)

// Snapchat customer lists (Marketing API, Ads API "Customer Lists"):
//
//	POST   {base}/v1/adaccounts/{ad_account_id}/segments  {"segments": [{name, description, source_type: FIRST_PARTY, retention_in_days, ad_account_id}]}
//	POST   {base}/v1/segments/{segment_id}/users          {"users": [{"schema": ["EMAIL_SHA256"], "data": [["<digest>"], ...]}]}
//	DELETE {base}/v1/segments/{segment_id}/users          the same body
//
// Authorization Bearer. One users entry per identifier kind (Snap does not
// mix kinds in an entry); digests are SHA-256 of match's Snapchat normal
// form (email lower-cased, phone digits with the country code). At most
// 100,000 identifiers a request (issue 15). Answers carry request_status
// (SUCCESS) and per entry sub_request_status.

// SnapchatMaxBatch is the per-request limit of identifiers.
const SnapchatMaxBatch = 100000

// Snapchat is the customer-list client.
type Snapchat struct {
	Base  string
	HTTP  *http.Client
	Limit int
}

var _ Client = (*Snapchat)(nil)

// MaxBatch implements Client: users, each up to two identifiers, so half
// the identifier limit.
func (c *Snapchat) MaxBatch() int { return max(1, c.Limit/2) }

// Create implements Client.
func (c *Snapchat) Create(ctx context.Context, t Target, name, description string) (_ string, err error) {
	defer derrors.Wrap(&err, "audiences.Snapchat.Create(%s)", t.Account)
	body := map[string]any{"segments": []map[string]any{{"name": name, "description": description, "source_type": "FIRST_PARTY",
		"retention_in_days": 9999, "ad_account_id": t.Account}}}
	req, err := jsonRequest(http.MethodPost, c.Base+"/v1/adaccounts/"+url.PathEscape(t.Account)+"/segments", body)
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+t.Token)
	var out struct {
		Segments []struct {
			SubRequestStatus string `json:"sub_request_status"`
			Segment          struct {
				ID string `json:"id"`
			} `json:"segment"`
		} `json:"segments"`
	}
	if err := exchange(ctx, c.HTTP, platforms.Snapchat, req, &out, snapError); err != nil {
		return "", err
	}
	if len(out.Segments) != 1 || out.Segments[0].Segment.ID == "" {
		return "", &platforms.APIError{Platform: platforms.Snapchat, Kind: platforms.ErrorTransient, Code: "BAD_RESPONSE", Message: "Snapchat answered without the segment's id"}
	}
	return out.Segments[0].Segment.ID, nil
}

// SnapUsers is one users entry: one schema, one digest per row.
type SnapUsers struct {
	Schema []string   `json:"schema"`
	Data   [][]string `json:"data"`
}

// snapUsersBody is the users edge's body.
type snapUsersBody struct {
	Users []SnapUsers `json:"users"`
}

// Upload implements Client.
func (c *Snapchat) Upload(ctx context.Context, t Target, op Op, users []User) (_ string, err error) {
	defer derrors.Wrap(&err, "audiences.Snapchat.Upload(%s, %s, %d users)", t.AudienceID, op, len(users))
	if t.AudienceID == "" {
		return "", errNoAudience
	}
	var entries []SnapUsers
	email, phone := SnapUsers{Schema: []string{"EMAIL_SHA256"}}, SnapUsers{Schema: []string{"PHONE_SHA256"}}
	for _, u := range users {
		if u.Email != "" {
			email.Data = append(email.Data, []string{u.Email})
		}
		if u.Phone != "" {
			phone.Data = append(phone.Data, []string{u.Phone})
		}
	}
	for _, e := range []SnapUsers{email, phone} {
		if len(e.Data) > 0 {
			entries = append(entries, e)
		}
	}
	method := http.MethodPost
	if op == OpRemove {
		method = http.MethodDelete
	}
	req, err := jsonRequest(method, c.Base+"/v1/segments/"+url.PathEscape(t.AudienceID)+"/users", snapUsersBody{Users: entries})
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+t.Token)
	return "", exchange(ctx, c.HTTP, platforms.Snapchat, req, nil, snapError)
}

// Finish implements Client (nothing to finish).
func (c *Snapchat) Finish(context.Context, Target) error { return nil }

// snapError reads Snap's answer: request_status other than SUCCESS, or a
// sub_request_status other than SUCCESS, is an error with its
// debug_message / display_message; classified by HTTP status.
func snapError(status int, body []byte, retry time.Duration) *platforms.APIError {
	var env struct {
		RequestStatus string `json:"request_status"`
		Debug         string `json:"debug_message"`
		Display       string `json:"display_message"`
		Users         []struct {
			SubRequestStatus string `json:"sub_request_status"`
			Reason           string `json:"sub_request_error_reason"`
		} `json:"users"`
	}
	if json.Unmarshal(body, &env) != nil {
		return nil
	}
	failed := env.RequestStatus != "" && !strings.EqualFold(env.RequestStatus, "SUCCESS")
	msg := strings.TrimSpace(env.Display + " " + env.Debug)
	for _, u := range env.Users {
		if u.SubRequestStatus != "" && !strings.EqualFold(u.SubRequestStatus, "SUCCESS") {
			failed = true
			msg = strings.TrimSpace(msg + " " + u.Reason)
		}
	}
	if !failed && status/100 == 2 {
		return nil
	}
	if status/100 == 2 {
		status = http.StatusBadRequest // a refusal inside a 200 is the request's fault
	}
	return byStatus(platforms.Snapchat, status, retry, clip(msg, 1000))
}
