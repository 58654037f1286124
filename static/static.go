// Package static holds greenreach's web pages — the public map, the
// planner's and the auditor's pages — embedded into the binary. The map
// libraries (MapLibre GL JS, Terra Draw) come from npm at build time into
// lib/ (`make assets`); a build without them still serves the pages, which
// then say what is missing.
package static

import (
	"embed"
	"io/fs"
)

//go:embed *.html *.css *.js *.svg i18n/*.json all:lib
var files embed.FS

// FS is the pages and their assets.
var FS fs.FS = files

// HasLib reports whether the npm libraries were built into lib/.
func HasLib() bool {
	_, err := fs.Stat(files, "lib/maplibre-gl.js")
	return err == nil
}
