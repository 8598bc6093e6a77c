package auth

import "github.com/stratumhq/stratum/internal/apperr"

// Authorize is the one permission rule of the API (docs/permissions.md):
// a user needs role or higher — and, when the tenant requires MFA, a
// session that passed it; an API key needs scope ("" refuses API keys).
// The schema's @hasRole/@hasScope directives apply it to a field with the
// field's two arguments, and node(id:)/nodes(ids:) apply it to an object
// with the arguments of the object's list field; there it turns a refusal
// into NOT_FOUND so a global ID reveals nothing. The error is FORBIDDEN
// with a message saying what is missing (MFA refusals carry the
// mfaEnrollmentRequired extension the web client acts on).
func Authorize(p *Principal, role Role, scope Scope) error {
	if !p.IsUser() {
		switch {
		case scope == "":
			return apperr.Forbiddenf("API keys cannot use this field; sign in as a user")
		case !p.HasScope(scope):
			return apperr.Forbiddenf("this API key lacks the %s scope", scope)
		}
		return nil
	}
	if p.MFARequired && !p.MFA {
		return &apperr.Error{Code: apperr.Forbidden, Message: "this tenant requires MFA: enrol with enrollMfa and confirmMfa, then log in again",
			Extensions: map[string]any{"mfaEnrollmentRequired": true}}
	}
	if !p.Role.AtLeast(role) {
		return apperr.Forbiddenf("this needs the %s role or higher (you are %s)", role, p.Role)
	}
	return nil
}
