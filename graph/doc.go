// Package graph holds the GraphQL schema (one .graphqls file per domain) and
// the code gqlgen generates from it (`make generate`).
package graph
