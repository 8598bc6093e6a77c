package gqlserver

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// CodeDepthLimitExceeded is extensions.code for operations nested too deep.
const CodeDepthLimitExceeded = "DEPTH_LIMIT_EXCEEDED"

// DepthLimit refuses operations whose selections nest deeper than Max
// (fragments are followed). GraphiQL's introspection query nests 13 deep.
type DepthLimit struct{ Max int }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = DepthLimit{}

// ExtensionName implements graphql.HandlerExtension.
func (DepthLimit) ExtensionName() string { return "DepthLimit" }

// Validate implements graphql.HandlerExtension.
func (DepthLimit) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext implements graphql.OperationContextMutator.
func (d DepthLimit) MutateOperationContext(ctx context.Context, rc *graphql.OperationContext) *gqlerror.Error {
	if d.Max <= 0 || rc.Operation == nil {
		return nil
	}
	depth := selectionDepth(rc.Operation.SelectionSet, rc.Doc.Fragments, map[string]bool{})
	if depth > d.Max {
		err := gqlerror.Errorf("operation has depth %d, which exceeds the limit of %d", depth, d.Max)
		err.Extensions = map[string]any{"code": CodeDepthLimitExceeded, "depth": depth, "maxDepth": d.Max}
		return err
	}
	return nil
}

func selectionDepth(set ast.SelectionSet, frags ast.FragmentDefinitionList, visiting map[string]bool) int {
	max := 0
	for _, sel := range set {
		var d int
		switch s := sel.(type) {
		case *ast.Field:
			if len(s.SelectionSet) == 0 {
				d = 1
			} else {
				d = 1 + selectionDepth(s.SelectionSet, frags, visiting)
			}
		case *ast.InlineFragment:
			d = selectionDepth(s.SelectionSet, frags, visiting)
		case *ast.FragmentSpread:
			if visiting[s.Name] {
				continue
			}
			if f := frags.ForName(s.Name); f != nil {
				visiting[s.Name] = true
				d = selectionDepth(f.SelectionSet, frags, visiting)
				delete(visiting, s.Name)
			}
		}
		if d > max {
			max = d
		}
	}
	return max
}

// complexityHook hands each operation's complexity (computed by the
// ComplexityLimit extension, which runs first) to a hook.
type complexityHook struct {
	hook func(ctx context.Context, complexity int) error
}

func (complexityHook) ExtensionName() string                   { return "ComplexityHook" }
func (complexityHook) Validate(graphql.ExecutableSchema) error { return nil }

func (c complexityHook) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	stats := extension.GetComplexityStats(ctx)
	if stats != nil {
		if err := c.hook(ctx, stats.Complexity); err != nil {
			graphql.AddError(ctx, err)
			return graphql.OneShot(&graphql.Response{Errors: graphql.GetErrors(ctx)})
		}
	}
	return next(ctx)
}
