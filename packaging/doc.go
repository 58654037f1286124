// Package packaging holds the Debian package's files — the systemd unit,
// the environment file, the maintainer scripts, the copyright notice — and
// build-deb, which `make deb` runs; its test builds the package, checks it
// and installs it as README's "Install on a server" says. It has no Go
// code of its own.
package packaging
