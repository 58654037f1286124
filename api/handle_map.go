package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/greenreach/greenreach/static"
)

// handlePlannerPage: GET /planner — draw parks and belts, see every rule
// move, save and compare scenarios, ask for sites.
func (s *Server) handlePlannerPage(w http.ResponseWriter, r *http.Request) *appError {
	return serveAsset(w, r, "planner.html")
}

// handleAuditorPage: GET /auditor — the rule table, chart, gap map and
// exports.
func (s *Server) handleAuditorPage(w http.ResponseWriter, r *http.Request) *appError {
	return serveAsset(w, r, "auditor.html")
}

// handleInspectPage: GET /inspect — the inspector's phone page: report a
// case with the position, a photo and a note, kept while offline.
func (s *Server) handleInspectPage(w http.ResponseWriter, r *http.Request) *appError {
	return serveAsset(w, r, "inspect.html")
}

// handleCasesPage: GET /cases — the dispatcher's case board: map, list,
// filters and the workflow's steps.
func (s *Server) handleCasesPage(w http.ResponseWriter, r *http.Request) *appError {
	return serveAsset(w, r, "cases.html")
}

// handleUnitPage: GET /unit — a responsible unit's page: its cases, 处置
// with a note and a photo, its month's assessment line.
func (s *Server) handleUnitPage(w http.ResponseWriter, r *http.Request) *appError {
	return serveAsset(w, r, "unit.html")
}

// handleMapPage writes the public map's page.
func (s *Server) handleMapPage(w http.ResponseWriter, r *http.Request) *appError {
	return serveAsset(w, r, "index.html")
}

// handleStatic: GET /static/{file} — the embedded pages' scripts, styles and
// libraries, revalidated by ETag.
func (s *Server) handleStatic(w http.ResponseWriter, r *http.Request) *appError {
	name := strings.TrimPrefix(r.URL.Path, "/static/")
	if name == "" || strings.Contains(name, "..") || strings.HasPrefix(path.Base(name), ".") {
		return errNotFound("no file %q", name)
	}
	return serveAsset(w, r, name)
}

type asset struct {
	body []byte
	etag string
}

var assets sync.Map // name → *asset

func serveAsset(w http.ResponseWriter, r *http.Request, name string) *appError {
	a, ok := assets.Load(name)
	if !ok {
		b, err := static.ReadFile(name)
		if err != nil {
			if strings.HasPrefix(name, "lib/") && !static.HasLib() {
				return errNotFound("%s is not in this build: the map libraries come from npm (make assets)", name)
			}
			if name == static.InspectWorker {
				return errInternal(err) // its shell is not in this build
			}
			return errNotFound("no file %q", name)
		}
		sum := sha256.Sum256(b)
		a, _ = assets.LoadOrStore(name, &asset{b, `"` + hex.EncodeToString(sum[:8]) + `"`})
	}
	as := a.(*asset)
	if ct := mime.TypeByExtension(path.Ext(name)); ct != "" {
		w.Header().Set("Content-Type", ct)
	}
	if name == static.InspectWorker {
		// The worker lives in static/ but controls the inspection page
		// beside it (relative, so that a proxy's prefix stays in).
		w.Header().Set("Service-Worker-Allowed", static.InspectScope)
	}
	w.Header().Set("ETag", as.etag)
	w.Header().Set("Cache-Control", "no-cache") // revalidate: a new build changes them
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(as.body))
	return nil
}
