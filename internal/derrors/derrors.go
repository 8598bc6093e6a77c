// Package derrors names the operation an internal error came from.
//
// Every exported domain method or function that can fail for an internal
// reason (a query, a transaction, a hook) starts with
//
//	func (s *Service) Execute(ctx context.Context, tenant, id uuid.UUID) (_ *Action, err error) {
//		defer derrors.Wrap(&err, "automation.Service.Execute(%v, %v)", tenant, id)
//
// so a failing query reaches the log as
// "automation.Service.Execute(<tenant>, <id>): update action: <driver error>"
// instead of the bare driver error. The arguments name the operation and
// the ids that identify it (tenant, object) — never secrets, passwords,
// tokens, codes, e-mail addresses or other personal data, since the text is
// logged. Unexported helpers return their errors as they are (the exported
// caller names the operation) and wrap with fmt.Errorf("step: %w", err)
// only where a step needs telling apart from its neighbours.
//
// Wrap keeps the chain (%w): errors.Is and errors.As — and so apperr.As,
// which the GraphQL error presenter uses to show a typed error's Message —
// see through it, so clients see exactly what they saw before. Compare
// errors with errors.Is/As, never with == or a type assertion.
package derrors

import "fmt"

// Wrap replaces *errp, when it is not nil, with an error whose text is the
// operation described by format and args, a colon and the original text,
// and which wraps the original. It is meant to be deferred as the first
// statement of a function with a named error result:
//
//	defer derrors.Wrap(&err, "audit.Service.Get(%v, %v)", tenant, id)
func Wrap(errp *error, format string, args ...any) {
	if *errp != nil {
		*errp = fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), *errp)
	}
}
