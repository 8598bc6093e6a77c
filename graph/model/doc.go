// Package model holds GraphQL models: gqlgen generates models_gen.go; types
// written by hand (bound by autobind) live in other files here.
package model
