package main

import (
	"runtime"
	"runtime/debug"
)

// version is the release, set at build time by
// -ldflags "-X main.version=1.2.3" (make deb); empty, the module's version
// from the build information stands.
var version string

// commit is the commit the binary was built from when the build
// information lacks it (a git worktree, GOFLAGS=-buildvcs=false), set by
// -ldflags "-X main.commit=..." (make deb).
var commit string

// versionLine is what --version prints: the version, the commit the binary
// was built from (with "-dirty" when the tree had changes) and the Go
// release.
func versionLine() string {
	v, rev, dirty := version, "", false
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v == "" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
	}
	if v == "" || v == "(devel)" {
		v = "devel"
	}
	if rev != "" && dirty {
		rev += "-dirty"
	}
	if rev == "" {
		rev = commit
	}
	line := "greenreach " + v
	if rev != "" {
		line += " commit " + rev
	}
	return line + " " + runtime.Version()
}
