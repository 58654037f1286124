package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/importer"
	"github.com/greenreach/greenreach/importer/anyfile"
	"github.com/greenreach/greenreach/store"
)

// importFormats maps ?format= to the file name the importers recognise.
var importFormats = map[string]string{
	"osm": ".osm", "pbf": ".osm.pbf", "osm.gz": ".osm.gz",
	"geojson": ".geojson", "gpkg": ".gpkg", "shp": ".zip",
}

// handleImport: POST /api/import?format=pbf|osm|osm.gz|geojson|gpkg|shp
// [&layer=…][&source=…[&replace=true]] with the file as the body (a
// Shapefile as a zip): read and repaired as `greenreach import` does, then
// written in one transaction — all of it or, on any error, nothing —
// through the live index, as every write is. The upload adds features and
// updates those of the same source and id; only replace=true with a named
// source deletes (the source's features the file lacks, listed in the
// answer). The default source is "osm" for OSM files,
// else upload:FORMAT:LAYER@ and the content hash (importer.ContentTag), so
// two files never share one by default. Bodies over Config.MaxUploadBytes
// are refused (413), bodies slower than Config.UploadMinRate cut off (408).
// Admins only.
func (s *Server) handleImport(w http.ResponseWriter, r *http.Request) *appError {
	req, e := parseImport(queryOf(r))
	if e != nil {
		return e
	}
	path, e := s.receiveUpload(w, r, req.ext)
	if path != "" {
		defer os.Remove(path)
	}
	if e != nil {
		return e
	}
	// Reading and loading have the write timeout's budget: the answer must
	// be written within it anyway (upload.go), and a file that takes longer
	// is stopped rather than left working for nobody.
	ctx := r.Context()
	if t := s.cfg.WriteTimeout; t > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, t)
		defer cancel()
	}
	sum, e := s.importFile(ctx, path, req)
	if e != nil {
		return e
	}
	tot := sum.Totals()
	s.logWrite(r, "import", "source", sum.Source, "format", req.format, "layer", req.layer, "imported", tot.Imported, "deleted", tot.Deleted, "replace", req.replace)
	return writeJSON(w, http.StatusOK, sum)
}

// importRequest is what an upload's query asks for.
type importRequest struct {
	format, ext   string // ?format= and the file name ending the importers recognise
	layer, source string
	isOSM         bool
	replace       bool
}

// parseImport checks an upload's query.
func parseImport(q url.Values) (importRequest, *appError) {
	if e := onlyParams(q, "format", "layer", "source", "replace"); e != nil {
		return importRequest{}, e
	}
	req := importRequest{format: q.Get("format"), layer: q.Get("layer"), source: q.Get("source")}
	var ok bool
	if req.ext, ok = importFormats[req.format]; !ok {
		return req, errBadRequest("format=%q: want one of osm, pbf, osm.gz, geojson, gpkg, shp (a zip)", req.format)
	}
	req.isOSM = anyfile.IsOSM("x" + req.ext)
	if !req.isOSM && geo.SchemaOf(req.layer) == nil {
		return req, errBadRequest("layer=%q: %s files need a layer (%s)", req.layer, req.format, strings.Join(layerIDs(), ", "))
	}
	if req.isOSM && req.layer != "" {
		return req, errBadRequest("layer does not apply to OSM files: their tags decide the layer")
	}
	if len(req.source) > 200 {
		return req, errBadRequest("source is longer than 200 bytes")
	}
	if v := q.Get("replace"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return req, errBadRequest("replace=%q: want true or false", v)
		}
		req.replace = b
	}
	if req.replace && req.source == "" {
		return req, errBadRequest("replace=true needs source=: name the source whose features the file replaces")
	}
	return req, nil
}

// receiveUpload copies the request body into a temporary file ending in
// ext and returns its path, which the caller removes (also after an error,
// when the path is not empty).
func (s *Server) receiveUpload(w http.ResponseWriter, r *http.Request, ext string) (string, *appError) {
	tmp, err := os.CreateTemp(s.cfg.TempDir, "greenreach-upload-*"+ext)
	if err != nil {
		return "", errInternal(err)
	}
	n, err := io.Copy(tmp, s.uploadBody(w, r))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return tmp.Name(), &appError{Status: http.StatusRequestEntityTooLarge, Title: "Upload too large", Detail: fmt.Sprintf("the file is over %d bytes; import it with the CLI (greenreach import)", s.cfg.MaxUploadBytes)}
		}
		if e := s.slowUpload(err); e != nil {
			return tmp.Name(), e
		}
		return tmp.Name(), errBadRequest("reading the upload: %v", err)
	}
	if n == 0 {
		return tmp.Name(), errBadRequest("the body is empty: send the file as the request body")
	}
	return tmp.Name(), nil
}

// importFile reads the uploaded file at path and writes its features
// through the live index (its lock keeps this write in order with every
// other), all or nothing.
func (s *Server) importFile(ctx context.Context, path string, req importRequest) (*importer.Summary, *appError) {
	feats, sum, err := anyfile.ReadFile(ctx, path, anyfile.Options{Layer: req.layer, Source: req.source, TempDir: s.cfg.TempDir})
	if err != nil {
		if ctx.Err() != nil {
			return nil, s.importCut(err)
		}
		return nil, &appError{Status: http.StatusUnprocessableEntity, Title: "Unreadable file", Detail: strings.ReplaceAll(err.Error(), path, "the upload") + " (nothing of it written)"}
	}
	if req.source == "" && !req.isOSM {
		tag, err := importer.ContentTag(path)
		if err != nil {
			return nil, errInternal(err)
		}
		sum.Source = "upload:" + req.format + ":" + req.layer + "@" + tag
	}
	var load []importer.Option
	if req.replace {
		load = append(load, importer.WithReplace())
	}
	start := time.Now()
	if _, err := importer.Load(ctx, s.index.Through(s.store), sum.Source, feats, sum, load...); err != nil {
		if ctx.Err() != nil {
			return nil, s.importCut(err)
		}
		if errors.Is(err, store.ErrUnavailable) {
			return nil, errUnavailable("the store is unavailable; nothing was imported", err)
		}
		return nil, &appError{Status: http.StatusUnprocessableEntity, Title: "Not imported", Detail: err.Error() + "; the store is unchanged"}
	}
	sum.LoadSeconds = time.Since(start).Seconds()
	sum.File = ""
	return sum, nil
}

// importCut is the answer to an import stopped by its time budget or by the
// client going away: nothing of it was written.
func (s *Server) importCut(err error) *appError {
	return &appError{Status: http.StatusServiceUnavailable, Title: "Import stopped",
		Detail: fmt.Sprintf("reading and writing the file may take at most %s (the write timeout); nothing of it was written: import large files with the CLI (greenreach import)", s.cfg.WriteTimeout), Err: err}
}
