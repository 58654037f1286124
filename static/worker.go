package static

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"sync"
)

// InspectWorker is the inspection page's service worker, served as
// static/sw-inspect.js; it controls the page at InspectScope (relative to
// the worker, as the Service-Worker-Allowed header reads it) and nothing
// else.
const (
	InspectWorker = "sw-inspect.js"
	InspectScope  = "../inspect"
)

// inspectShell is what the inspection page needs to open without network,
// as URLs relative to the service's root: the page first, then what it
// loads (inspect.html's scripts, styles and icon; both catalogues, as
// common.js picks one). The map library is kept when the build has it.
var inspectShell = []string{
	"inspect",
	"static/app.css", "static/common.js", "static/inspect.js", "static/favicon.svg",
	"static/i18n/zh-CN.json", "static/i18n/en.json",
	"static/lib/maplibre-gl.css", "static/lib/maplibre-gl.js",
}

// shellFile is the embedded file behind a shell URL.
func shellFile(u string) string {
	if u == "inspect" {
		return "inspect.html"
	}
	return strings.TrimPrefix(u, "static/")
}

// ReadFile reads name from FS; the inspection page's worker comes with its
// shell and version filled in.
func ReadFile(name string) ([]byte, error) {
	if name == InspectWorker {
		return inspectWorker()
	}
	return fs.ReadFile(files, name)
}

var inspectWorker = sync.OnceValues(func() ([]byte, error) { return RenderInspectWorker(files) })

// RenderInspectWorker fills sw-inspect.js of fsys with the shell's URLs
// (the map library's only when fsys has it) and a version: a hash of the
// worker and of every shell file's name and bytes, so that any change to
// them is a new worker, which the browser installs in place of the old.
func RenderInspectWorker(fsys fs.FS) ([]byte, error) {
	src, err := fs.ReadFile(fsys, InspectWorker)
	if err != nil {
		return nil, err
	}
	h := sha256.New()
	h.Write(src)
	var shell []string
	for _, u := range inspectShell {
		b, err := fs.ReadFile(fsys, shellFile(u))
		if errors.Is(err, fs.ErrNotExist) && strings.HasPrefix(u, "static/lib/") {
			continue // a build without the map libraries (make assets)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: the inspection page's shell: %w", InspectWorker, err)
		}
		fmt.Fprintf(h, "\x00%s\x00%d\x00", u, len(b))
		h.Write(b)
		shell = append(shell, u)
	}
	list, _ := json.Marshal(shell)
	version := hex.EncodeToString(h.Sum(nil)[:8])
	for _, r := range [][2]string{{`["GR_SHELL"]`, string(list)}, {`'GR_VERSION'`, `'` + version + `'`}} {
		if n := bytes.Count(src, []byte(r[0])); n != 1 {
			return nil, fmt.Errorf("%s: %d placeholders %s, want one", InspectWorker, n, r[0])
		}
		src = bytes.Replace(src, []byte(r[0]), []byte(r[1]), 1)
	}
	return src, nil
}
