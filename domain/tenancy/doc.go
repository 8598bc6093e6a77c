// Package tenancy owns tenants, their members and roles, and invitations,
// and orchestrates sign-up (Service.SignUp: the tenant and its OWNER
// membership are tenancy's rows; the user, the password hash and the first
// session are domain/auth's, created through its exported methods).
//
// Invariants: a tenant always keeps at least one OWNER; only an OWNER may
// grant, change or remove the OWNER role; a role change or removal takes
// effect on the member's next request (their earlier access tokens are
// revoked through domain/auth, and a removal ends their sessions). Every
// change writes its audit entry in the same transaction. Resolvers call
// Service. domain/auth reads a user's memberships through Service too (it
// is auth's MembershipSource, set by app.NewServices); users' e-mails come
// from domain/auth (auth.UserFactsTx).
//
// Members and pending invitations count against the plan's members limit
// (domain/billing; seats.go): an invitation takes a seat when it is made,
// passes it to the membership when accepted, and gives it back when
// revoked or found expired; removing a member gives its seat back.
package tenancy
