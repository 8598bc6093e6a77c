package audiences

import (
	"context"
	"encoding/json"
	"github.com/stratumhq/stratum/internal/derrors"
	"net/http"
	"strings"
	"time"

	"github.com/stratumhq/stratum/domain/platforms"
)

// Google Ads Customer Match (REST, the version domain/platforms/googleads
// pins):
//
//	POST {base}/{ver}/customers/{id}/userLists:mutate           create a crmBasedUserList (CONTACT_INFO, FIRST_PARTY)
//	POST {base}/{ver}/customers/{id}/offlineUserDataJobs:create  a CUSTOMER_MATCH_USER_LIST job for the list
//	POST {base}/{ver}/{job}:addOperations                        create/remove operations of userIdentifiers
//	POST {base}/{ver}/{job}:run                                  applies the job's operations
//
// Headers: Authorization Bearer, developer-token, login-customer-id (the
// account's manager, when it has one). Identifiers are hashedEmail and
// hashedPhoneNumber (SHA-256 of match's Google normal form: gmail without
// dots or +tag, E.164 phone with "+"). The job declares the users' consent
// (adUserData, adPersonalization GRANTED): only profiles with ADS consent
// are ever uploaded. At most 10,000 operations a request (issue 15).

// GoogleVersion is the Google Ads API version.
const GoogleVersion = "v26"

// GoogleMaxBatch is the per-request limit of operations.
const GoogleMaxBatch = 10000

// Google is the Customer Match client.
type Google struct {
	Base           string
	HTTP           *http.Client
	Limit          int
	DeveloperToken string
}

var _ Client = (*Google)(nil)

// MaxBatch implements Client.
func (c *Google) MaxBatch() int { return c.Limit }

func (c *Google) request(t Target, path string, body any) (*http.Request, error) {
	req, err := jsonRequest(http.MethodPost, c.Base+"/"+GoogleVersion+"/"+path, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+t.Token)
	req.Header.Set("developer-token", c.DeveloperToken)
	if m := digitsOnly(t.Manager); m != "" {
		req.Header.Set("login-customer-id", m)
	}
	return req, nil
}

func digitsOnly(s string) string { return strings.ReplaceAll(s, "-", "") }

// GoogleUserList is the created list.
type GoogleUserList struct {
	Name               string                 `json:"name"`
	Description        string                 `json:"description,omitempty"`
	MembershipLifeSpan string                 `json:"membershipLifeSpan"`
	CrmBasedUserList   GoogleCrmBasedUserList `json:"crmBasedUserList"`
}

// GoogleCrmBasedUserList is a customer list's kind.
type GoogleCrmBasedUserList struct {
	UploadKeyType  string `json:"uploadKeyType"`
	DataSourceType string `json:"dataSourceType"`
}

// Create implements Client: the user list's resource name is the id.
func (c *Google) Create(ctx context.Context, t Target, name, description string) (_ string, err error) {
	defer derrors.Wrap(&err, "audiences.Google.Create(%s)", t.Account)
	body := map[string]any{"operations": []map[string]any{{"create": GoogleUserList{Name: name, Description: description,
		MembershipLifeSpan: "10000", CrmBasedUserList: GoogleCrmBasedUserList{UploadKeyType: "CONTACT_INFO", DataSourceType: "FIRST_PARTY"}}}}}
	req, err := c.request(t, "customers/"+digitsOnly(t.Account)+"/userLists:mutate", body)
	if err != nil {
		return "", err
	}
	var out struct {
		Results []struct {
			ResourceName string `json:"resourceName"`
		} `json:"results"`
	}
	if err := exchange(ctx, c.HTTP, platforms.Google, req, &out, googleError); err != nil {
		return "", err
	}
	if len(out.Results) != 1 || out.Results[0].ResourceName == "" {
		return "", &platforms.APIError{Platform: platforms.Google, Kind: platforms.ErrorTransient, Code: "BAD_RESPONSE", Message: "Google answered without the user list"}
	}
	return out.Results[0].ResourceName, nil
}

// GoogleIdentifier is one userIdentifier.
type GoogleIdentifier struct {
	HashedEmail       string `json:"hashedEmail,omitempty"`
	HashedPhoneNumber string `json:"hashedPhoneNumber,omitempty"`
}

// GoogleUserData is one operation's user.
type GoogleUserData struct {
	UserIdentifiers []GoogleIdentifier `json:"userIdentifiers"`
}

// GoogleOperation is one OfflineUserDataJobOperation.
type GoogleOperation struct {
	Create *GoogleUserData `json:"create,omitempty"`
	Remove *GoogleUserData `json:"remove,omitempty"`
}

// Upload implements Client: operations go into t.Job, created first when
// empty (and returned).
func (c *Google) Upload(ctx context.Context, t Target, op Op, users []User) (_ string, err error) {
	defer derrors.Wrap(&err, "audiences.Google.Upload(%s, %s, %d users)", t.AudienceID, op, len(users))
	if t.AudienceID == "" {
		return "", errNoAudience
	}
	job := t.Job
	if job == "" {
		body := map[string]any{"job": map[string]any{"type": "CUSTOMER_MATCH_USER_LIST",
			"customerMatchUserListMetadata": map[string]any{"userList": t.AudienceID,
				"consent": map[string]string{"adUserData": "GRANTED", "adPersonalization": "GRANTED"}}}}
		req, err := c.request(t, "customers/"+digitsOnly(t.Account)+"/offlineUserDataJobs:create", body)
		if err != nil {
			return "", err
		}
		var out struct {
			ResourceName string `json:"resourceName"`
		}
		if err := exchange(ctx, c.HTTP, platforms.Google, req, &out, googleError); err != nil {
			return "", err
		}
		if out.ResourceName == "" {
			return "", &platforms.APIError{Platform: platforms.Google, Kind: platforms.ErrorTransient, Code: "BAD_RESPONSE", Message: "Google answered without the job"}
		}
		job = out.ResourceName
	}
	ops := make([]GoogleOperation, len(users))
	for i, u := range users {
		d := &GoogleUserData{}
		if u.Email != "" {
			d.UserIdentifiers = append(d.UserIdentifiers, GoogleIdentifier{HashedEmail: u.Email})
		}
		if u.Phone != "" {
			d.UserIdentifiers = append(d.UserIdentifiers, GoogleIdentifier{HashedPhoneNumber: u.Phone})
		}
		if op == OpRemove {
			ops[i].Remove = d
		} else {
			ops[i].Create = d
		}
	}
	req, err := c.request(t, job+":addOperations", map[string]any{"operations": ops})
	if err != nil {
		return job, err
	}
	return job, exchange(ctx, c.HTTP, platforms.Google, req, nil, googleError)
}

// Finish implements Client: runs t.Job (nothing without one).
func (c *Google) Finish(ctx context.Context, t Target) (err error) {
	defer derrors.Wrap(&err, "audiences.Google.Finish(%s)", t.Job)
	if t.Job == "" {
		return nil
	}
	req, err := c.request(t, t.Job+":run", map[string]any{})
	if err != nil {
		return err
	}
	return exchange(ctx, c.HTTP, platforms.Google, req, nil, googleError)
}

// googleError reads Google's error envelope {"error": {code, message,
// status}}: RESOURCE_EXHAUSTED is a rate limit, UNAVAILABLE, INTERNAL and
// DEADLINE_EXCEEDED transient, UNAUTHENTICATED and PERMISSION_DENIED auth.
func googleError(status int, body []byte, retry time.Duration) *platforms.APIError {
	if status/100 == 2 {
		return nil
	}
	var env struct {
		Error *struct {
			Message string `json:"message"`
			Status  string `json:"status"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &env) != nil || env.Error == nil {
		return nil
	}
	e := byStatus(platforms.Google, status, retry, clip(env.Error.Message, 1000))
	e.Code = env.Error.Status
	switch env.Error.Status {
	case "RESOURCE_EXHAUSTED":
		e.Kind = platforms.ErrorRateLimited
	case "UNAVAILABLE", "INTERNAL", "DEADLINE_EXCEEDED":
		e.Kind = platforms.ErrorTransient
	case "UNAUTHENTICATED", "PERMISSION_DENIED":
		e.Kind = platforms.ErrorAuth
	}
	return e
}
