package model

import "github.com/stratumhq/stratum/domain/auth"

// Viewer is the caller of a request; its fields are resolved from the
// principal on demand (resolvers/identity.resolvers.go).
type Viewer struct {
	Principal *auth.Principal `json:"-"`
}
