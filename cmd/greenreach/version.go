package main

import (
	"runtime"
	"runtime/debug"
)

// version is the release, set at build time by
// -ldflags "-X main.version=1.2.3" (make deb); empty, the module's version
// from the build information stands.
var version string

// versionLine is what --version prints: the version, the commit the binary
// was built from (with "-dirty" when the tree had changes) and the Go
// release.
func versionLine() string {
	v, commit, dirty := version, "", false
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v == "" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				commit = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
	}
	if v == "" || v == "(devel)" {
		v = "devel"
	}
	line := "greenreach " + v
	if commit != "" {
		if dirty {
			commit += "-dirty"
		}
		line += " commit " + commit
	}
	return line + " " + runtime.Version()
}
