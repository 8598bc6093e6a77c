// Package frontend embeds the dashboard and GraphiQL assets that `npm run
// build` writes to dist/. The Go build succeeds before the first frontend
// build (dist/ then holds only .gitkeep and the server explains how to build).
package frontend

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// Dist is the built assets' root.
func Dist() fs.FS {
	sub, _ := fs.Sub(dist, "dist")
	return sub
}
