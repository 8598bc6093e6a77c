package audiencefake

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
)

const (
	metaError   = `{"error":{"message":"(#100) Invalid parameter","type":"OAuthException","code":100,"error_user_msg":"the payload is malformed"}}`
	metaAuth    = `{"error":{"message":"Invalid OAuth access token.","type":"OAuthException","code":190}}`
	googleError = `{"error":{"code":400,"message":"Request contains an invalid argument.","status":"INVALID_ARGUMENT"}}`
	googleAuth  = `{"error":{"code":401,"message":"Request is missing required authentication credential.","status":"UNAUTHENTICATED"}}`
	tiktokError = `{"code":40002,"message":"Invalid params","request_id":"fake"}`
	tiktokAuth  = `{"code":40105,"message":"Access token is incorrect or has been revoked.","request_id":"fake"}`
	snapError   = `{"request_status":"ERROR","request_id":"fake","debug_message":"Invalid request","display_message":"The request is malformed","error_code":"E1001"}`
)

var (
	metaAccountPath = regexp.MustCompile(`^/v25\.0/act_(\d+)/customaudiences$`)
	metaUsersPath   = regexp.MustCompile(`^/v25\.0/(\d+)/users$`)
)

// meta answers Meta's customaudiences and users edges (form bodies).
func (s *Server) meta(w http.ResponseWriter, r *http.Request) {
	if s.begin(w) {
		return
	}
	// Graph API takes DELETE's parameters in a form body too (net/http
	// parses only POST, PUT and PATCH bodies itself).
	raw, _ := io.ReadAll(r.Body)
	form, err := url.ParseQuery(string(raw))
	if err != nil || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		s.refuse(w, 400, metaError, "meta: not a form body: %v", err)
		return
	}
	r.PostForm = form
	if r.PostForm.Get("access_token") != s.Token {
		s.refuse(w, 400, metaAuth, "meta: access_token missing or wrong")
		return
	}
	if m := metaAccountPath.FindStringSubmatch(r.URL.Path); m != nil && r.Method == http.MethodPost {
		f := r.PostForm
		if f.Get("subtype") != "CUSTOM" || f.Get("customer_file_source") == "" || f.Get("name") == "" {
			s.refuse(w, 400, metaError, "meta: create needs name, subtype=CUSTOM and customer_file_source (got %v)", f)
			return
		}
		writeJSON(w, map[string]string{"id": s.create("META", m[1], f.Get("name"))})
		return
	}
	m := metaUsersPath.FindStringSubmatch(r.URL.Path)
	if m == nil || (r.Method != http.MethodPost && r.Method != http.MethodDelete) {
		s.refuse(w, 404, metaError, "meta: unknown endpoint %s %s", r.Method, r.URL.Path)
		return
	}
	if !s.exists(m[1], "META") {
		s.refuse(w, 400, metaError, "meta: unknown audience %s", m[1])
		return
	}
	var p struct {
		Schema []string   `json:"schema"`
		Data   [][]string `json:"data"`
	}
	if err := decodeStrict([]byte(r.PostForm.Get("payload")), &p); err != nil {
		s.refuse(w, 400, metaError, "meta: payload: %v", err)
		return
	}
	if len(p.Schema) == 0 || len(p.Data) == 0 {
		s.refuse(w, 400, metaError, "meta: empty schema or data")
		return
	}
	for _, k := range p.Schema {
		if !slices.Contains([]string{"EMAIL", "PHONE", "EMAIL_SHA256", "PHONE_SHA256"}, k) {
			s.refuse(w, 400, metaError, "meta: schema key %q is not one Stratum may send", k)
			return
		}
	}
	if n := s.limit("META"); len(p.Data) > n {
		s.refuse(w, 400, metaError, "meta: %d records in one request (limit %d)", len(p.Data), n)
		return
	}
	var ids []string
	for i, row := range p.Data {
		if len(row) != len(p.Schema) {
			s.refuse(w, 400, metaError, "meta: row %d has %d values for %d schema keys", i, len(row), len(p.Schema))
			return
		}
		some := false
		for _, v := range row {
			if v == "" {
				continue
			}
			if !digest.MatchString(v) {
				s.refuse(w, 400, metaError, "meta: row %d: %q is not a lower-case SHA-256 hex digest", i, clipped(v))
				return
			}
			some = true
			ids = append(ids, v)
		}
		if !some {
			s.refuse(w, 400, metaError, "meta: row %d has no value", i)
			return
		}
	}
	s.apply(m[1], r.Method == http.MethodDelete, ids)
	writeJSON(w, map[string]any{"audience_id": m[1], "session_id": "1", "num_received": len(p.Data), "num_invalid_entries": 0,
		"invalid_entry_samples": map[string]any{}})
}

var (
	googleListsPath = regexp.MustCompile(`^/v26/customers/(\d{10})/userLists:mutate$`)
	googleJobsPath  = regexp.MustCompile(`^/v26/customers/(\d{10})/offlineUserDataJobs:create$`)
	googleJobPath   = regexp.MustCompile(`^/v26/(customers/\d{10}/offlineUserDataJobs/\d+):(addOperations|run)$`)
)

// google answers Customer Match's user list, job creation, operations and run.
func (s *Server) google(w http.ResponseWriter, r *http.Request) {
	if s.begin(w) {
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+s.Token || r.Header.Get("developer-token") != DeveloperToken {
		s.refuse(w, 401, googleAuth, "google: Authorization or developer-token missing or wrong")
		return
	}
	body, _ := io.ReadAll(r.Body)
	p := r.URL.Path
	switch {
	case googleListsPath.MatchString(p):
		var req struct {
			Operations []struct {
				Create *struct {
					Name               string `json:"name"`
					Description        string `json:"description"`
					MembershipLifeSpan string `json:"membershipLifeSpan"`
					CrmBasedUserList   *struct {
						UploadKeyType  string `json:"uploadKeyType"`
						DataSourceType string `json:"dataSourceType"`
					} `json:"crmBasedUserList"`
				} `json:"create"`
			} `json:"operations"`
		}
		if err := decodeStrict(body, &req); err != nil || len(req.Operations) != 1 || req.Operations[0].Create == nil {
			s.refuse(w, 400, googleError, "google: userLists:mutate body: %v %s", err, body)
			return
		}
		c := req.Operations[0].Create
		if c.Name == "" || c.CrmBasedUserList == nil || c.CrmBasedUserList.UploadKeyType != "CONTACT_INFO" {
			s.refuse(w, 400, googleError, "google: a customer list needs a name and crmBasedUserList with uploadKeyType CONTACT_INFO")
			return
		}
		id := s.create("GOOGLE", googleListsPath.FindStringSubmatch(p)[1], c.Name)
		writeJSON(w, map[string]any{"results": []map[string]string{{"resourceName": id}}})
	case googleJobsPath.MatchString(p):
		var req struct {
			Job struct {
				Type     string `json:"type"`
				Metadata *struct {
					UserList string            `json:"userList"`
					Consent  map[string]string `json:"consent"`
				} `json:"customerMatchUserListMetadata"`
			} `json:"job"`
		}
		if err := decodeStrict(body, &req); err != nil || req.Job.Type != "CUSTOMER_MATCH_USER_LIST" || req.Job.Metadata == nil {
			s.refuse(w, 400, googleError, "google: offlineUserDataJobs:create body: %v %s", err, body)
			return
		}
		if !s.exists(req.Job.Metadata.UserList, "GOOGLE") {
			s.refuse(w, 400, googleError, "google: unknown user list %q", req.Job.Metadata.UserList)
			return
		}
		if req.Job.Metadata.Consent["adUserData"] != "GRANTED" || req.Job.Metadata.Consent["adPersonalization"] != "GRANTED" {
			s.refuse(w, 400, googleError, "google: a job without consent GRANTED")
			return
		}
		s.mu.Lock()
		s.next++
		name := fmt.Sprintf("customers/%s/offlineUserDataJobs/%d", googleJobsPath.FindStringSubmatch(p)[1], s.next)
		s.jobs[name] = &job{list: req.Job.Metadata.UserList}
		s.mu.Unlock()
		writeJSON(w, map[string]string{"resourceName": name})
	case googleJobPath.MatchString(p):
		m := googleJobPath.FindStringSubmatch(p)
		s.mu.Lock()
		j := s.jobs[m[1]]
		s.mu.Unlock()
		if j == nil || j.ran {
			s.refuse(w, 400, googleError, "google: unknown or already run job %s", m[1])
			return
		}
		if m[2] == "run" {
			s.mu.Lock()
			j.ran = true
			ops := j.ops
			s.mu.Unlock()
			for _, o := range ops {
				s.apply(j.list, o.remove, o.ids)
			}
			writeJSON(w, map[string]string{"name": m[1] + "/operations/1"})
			return
		}
		s.googleOperations(w, j, body)
	default:
		s.refuse(w, 404, googleError, "google: unknown endpoint %s", p)
	}
}

func (s *Server) googleOperations(w http.ResponseWriter, j *job, body []byte) {
	type ident struct {
		HashedEmail       string `json:"hashedEmail"`
		HashedPhoneNumber string `json:"hashedPhoneNumber"`
	}
	type data struct {
		UserIdentifiers []ident `json:"userIdentifiers"`
	}
	var req struct {
		Operations []struct {
			Create *data `json:"create"`
			Remove *data `json:"remove"`
		} `json:"operations"`
	}
	if err := decodeStrict(body, &req); err != nil || len(req.Operations) == 0 {
		s.refuse(w, 400, googleError, "google: addOperations body: %v", err)
		return
	}
	if n := s.limit("GOOGLE"); len(req.Operations) > n {
		s.refuse(w, 400, googleError, "google: %d operations in one request (limit %d)", len(req.Operations), n)
		return
	}
	var ops []op
	for i, o := range req.Operations {
		d, remove := o.Create, false
		if o.Remove != nil {
			d, remove = o.Remove, true
		}
		if d == nil || (o.Create != nil && o.Remove != nil) || len(d.UserIdentifiers) == 0 {
			s.refuse(w, 400, googleError, "google: operation %d must be one create or remove with identifiers", i)
			return
		}
		var ids []string
		for _, id := range d.UserIdentifiers {
			v := id.HashedEmail + id.HashedPhoneNumber
			if (id.HashedEmail != "") == (id.HashedPhoneNumber != "") || !digest.MatchString(v) {
				s.refuse(w, 400, googleError, "google: operation %d: each identifier is one lower-case SHA-256 hex digest", i)
				return
			}
			ids = append(ids, v)
		}
		ops = append(ops, op{remove: remove, ids: ids})
	}
	s.mu.Lock()
	j.ops = append(j.ops, ops...)
	s.mu.Unlock()
	writeJSON(w, map[string]any{})
}

// tiktok answers segment/audience and segment/mapping.
func (s *Server) tiktok(w http.ResponseWriter, r *http.Request) {
	if s.begin(w) {
		return
	}
	if r.Header.Get("Access-Token") != s.Token {
		s.refuse(w, 200, tiktokAuth, "tiktok: Access-Token missing or wrong")
		return
	}
	body, _ := io.ReadAll(r.Body)
	switch r.URL.Path {
	case "/open_api/v1.3/segment/audience/":
		var req struct {
			AdvertiserID string `json:"advertiser_id"`
			Action       string `json:"action"`
			Name         string `json:"custom_audience_name"`
		}
		if err := decodeStrict(body, &req); err != nil || req.Action != "create" || req.AdvertiserID == "" || req.Name == "" {
			s.refuse(w, 200, tiktokError, "tiktok: segment/audience body: %v %s", err, body)
			return
		}
		writeJSON(w, map[string]any{"code": 0, "message": "OK", "request_id": "fake",
			"data": map[string]any{"audience_id": s.create("TIKTOK", req.AdvertiserID, req.Name)}})
	case "/open_api/v1.3/segment/mapping/":
		var req struct {
			AdvertiserIDs []string `json:"advertiser_ids"`
			Action        string   `json:"action"`
			IDSchema      []string `json:"id_schema"`
			BatchData     [][]struct {
				ID          string   `json:"id"`
				AudienceIDs []string `json:"audience_ids"`
			} `json:"batch_data"`
		}
		if err := decodeStrict(body, &req); err != nil || len(req.AdvertiserIDs) == 0 || (req.Action != "add" && req.Action != "delete") {
			s.refuse(w, 200, tiktokError, "tiktok: segment/mapping body: %v %s", err, body)
			return
		}
		for _, k := range req.IDSchema {
			if k != "EMAIL_SHA256" && k != "PHONE_SHA256" {
				s.refuse(w, 200, tiktokError, "tiktok: id_schema %q", k)
				return
			}
		}
		if len(req.IDSchema) == 0 || len(req.BatchData) == 0 {
			s.refuse(w, 200, tiktokError, "tiktok: empty id_schema or batch_data")
			return
		}
		if n := s.limit("TIKTOK"); len(req.BatchData) > n {
			s.refuse(w, 200, tiktokError, "tiktok: %d users in one request (limit %d)", len(req.BatchData), n)
			return
		}
		byAudience := map[string][]string{}
		for i, user := range req.BatchData {
			if len(user) != len(req.IDSchema) {
				s.refuse(w, 200, tiktokError, "tiktok: user %d has %d ids for %d schema entries", i, len(user), len(req.IDSchema))
				return
			}
			for _, m := range user {
				if !digest.MatchString(m.ID) || len(m.AudienceIDs) == 0 {
					s.refuse(w, 200, tiktokError, "tiktok: user %d: %q is not a lower-case SHA-256 hex digest with audience_ids", i, clipped(m.ID))
					return
				}
				for _, a := range m.AudienceIDs {
					if !s.exists(a, "TIKTOK") {
						s.refuse(w, 200, tiktokError, "tiktok: unknown audience %s", a)
						return
					}
					byAudience[a] = append(byAudience[a], m.ID)
				}
			}
		}
		for a, ids := range byAudience {
			s.apply(a, req.Action == "delete", ids)
		}
		writeJSON(w, map[string]any{"code": 0, "message": "OK", "request_id": "fake", "data": map[string]any{}})
	default:
		s.refuse(w, 404, tiktokError, "tiktok: unknown endpoint %s", r.URL.Path)
	}
}

var (
	snapAccountPath = regexp.MustCompile(`^/v1/adaccounts/([0-9a-f-]{36})/segments$`)
	snapUsersPath   = regexp.MustCompile(`^/v1/segments/([0-9a-f-]{36})/users$`)
)

// snapchat answers segment creation and users.
func (s *Server) snapchat(w http.ResponseWriter, r *http.Request) {
	if s.begin(w) {
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+s.Token {
		s.refuse(w, 401, snapError, "snapchat: Authorization missing or wrong")
		return
	}
	body, _ := io.ReadAll(r.Body)
	if m := snapAccountPath.FindStringSubmatch(r.URL.Path); m != nil && r.Method == http.MethodPost {
		var req struct {
			Segments []struct {
				Name            string `json:"name"`
				Description     string `json:"description"`
				SourceType      string `json:"source_type"`
				RetentionInDays int    `json:"retention_in_days"`
				AdAccountID     string `json:"ad_account_id"`
			} `json:"segments"`
		}
		if err := decodeStrict(body, &req); err != nil || len(req.Segments) != 1 {
			s.refuse(w, 400, snapError, "snapchat: segments body: %v", err)
			return
		}
		g := req.Segments[0]
		if g.Name == "" || g.SourceType != "FIRST_PARTY" || g.RetentionInDays < 1 || g.AdAccountID != m[1] {
			s.refuse(w, 400, snapError, "snapchat: a segment needs name, source_type FIRST_PARTY, retention_in_days and its ad_account_id")
			return
		}
		id := s.create("SNAPCHAT", m[1], g.Name)
		writeJSON(w, map[string]any{"request_status": "SUCCESS", "request_id": "fake", "segments": []map[string]any{{
			"sub_request_status": "SUCCESS", "segment": map[string]any{"id": id, "name": g.Name, "ad_account_id": m[1]}}}})
		return
	}
	m := snapUsersPath.FindStringSubmatch(r.URL.Path)
	if m == nil || (r.Method != http.MethodPost && r.Method != http.MethodDelete) {
		s.refuse(w, 404, snapError, "snapchat: unknown endpoint %s %s", r.Method, r.URL.Path)
		return
	}
	if !s.exists(m[1], "SNAPCHAT") {
		s.refuse(w, 400, snapError, "snapchat: unknown segment %s", m[1])
		return
	}
	var req struct {
		Users []struct {
			Schema []string   `json:"schema"`
			Data   [][]string `json:"data"`
		} `json:"users"`
	}
	if err := decodeStrict(body, &req); err != nil || len(req.Users) == 0 {
		s.refuse(w, 400, snapError, "snapchat: users body: %v", err)
		return
	}
	var ids []string
	for i, u := range req.Users {
		if len(u.Schema) != 1 || (u.Schema[0] != "EMAIL_SHA256" && u.Schema[0] != "PHONE_SHA256") || len(u.Data) == 0 {
			s.refuse(w, 400, snapError, "snapchat: users[%d] needs one schema, EMAIL_SHA256 or PHONE_SHA256, and data", i)
			return
		}
		for _, row := range u.Data {
			if len(row) != 1 || !digest.MatchString(row[0]) {
				s.refuse(w, 400, snapError, "snapchat: users[%d]: a row is not one lower-case SHA-256 hex digest", i)
				return
			}
			ids = append(ids, row[0])
		}
	}
	if n := s.limit("SNAPCHAT"); len(ids) > n {
		s.refuse(w, 400, snapError, "snapchat: %d identifiers in one request (limit %d)", len(ids), n)
		return
	}
	s.apply(m[1], r.Method == http.MethodDelete, ids)
	status := make([]map[string]any, len(req.Users))
	for i := range status {
		status[i] = map[string]any{"sub_request_status": "SUCCESS", "user": map[string]any{"number_uploaded_users": len(req.Users[i].Data)}}
	}
	writeJSON(w, map[string]any{"request_status": "SUCCESS", "request_id": "fake", "users": status})
}

func clipped(s string) string {
	if len(s) > 20 {
		return s[:20] + "…"
	}
	return url.QueryEscape(s)
}
