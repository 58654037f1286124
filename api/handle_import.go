package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
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
// written in one transaction — all of it or, on any error, nothing. The
// upload adds features and updates those of the same source and id; only
// replace=true with a named source deletes (the source's features the file
// lacks, listed in the answer). The default source is "osm" for OSM files,
// else upload:FORMAT:LAYER@ and the content hash (importer.ContentTag), so
// two files never share one by default. Bodies over Config.MaxUploadBytes
// are refused (413), bodies slower than Config.UploadMinRate cut off (408).
// Admins only.
func (s *Server) handleImport(w http.ResponseWriter, r *http.Request) *appError {
	q := queryOf(r)
	if e := onlyParams(q, "format", "layer", "source", "replace"); e != nil {
		return e
	}
	format := q.Get("format")
	ext, ok := importFormats[format]
	if !ok {
		return errBadRequest("format=%q: want one of osm, pbf, osm.gz, geojson, gpkg, shp (a zip)", format)
	}
	layer := q.Get("layer")
	isOSM := anyfile.IsOSM("x" + ext)
	if !isOSM && geo.SchemaOf(layer) == nil {
		return errBadRequest("layer=%q: %s files need a layer (%s)", layer, format, strings.Join(layerIDs(), ", "))
	}
	if isOSM && layer != "" {
		return errBadRequest("layer does not apply to OSM files: their tags decide the layer")
	}
	source := q.Get("source")
	if len(source) > 200 {
		return errBadRequest("source is longer than 200 bytes")
	}
	replace := false
	if v := q.Get("replace"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return errBadRequest("replace=%q: want true or false", v)
		}
		replace = b
	}
	if replace && source == "" {
		return errBadRequest("replace=true needs source=: name the source whose features the file replaces")
	}
	tmp, err := os.CreateTemp(s.cfg.TempDir, "greenreach-upload-*"+ext)
	if err != nil {
		return errInternal(err)
	}
	defer os.Remove(tmp.Name())
	n, err := io.Copy(tmp, s.uploadBody(w, r))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return &appError{Status: http.StatusRequestEntityTooLarge, Title: "Upload too large", Detail: fmt.Sprintf("the file is over %d bytes; import it with the CLI (greenreach import)", s.cfg.MaxUploadBytes)}
		}
		if e := s.slowUpload(err); e != nil {
			return e
		}
		return errBadRequest("reading the upload: %v", err)
	}
	if n == 0 {
		return errBadRequest("the body is empty: send the file as the request body")
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
	path := tmp.Name()
	feats, sum, err := anyfile.ReadFile(ctx, path, anyfile.Options{Layer: layer, Source: source, TempDir: s.cfg.TempDir})
	if err != nil {
		if ctx.Err() != nil {
			return s.importCut(err)
		}
		return &appError{Status: http.StatusUnprocessableEntity, Title: "Unreadable file", Detail: strings.ReplaceAll(err.Error(), path, "the upload") + " (nothing of it written)"}
	}
	if source == "" && !isOSM {
		tag, err := importer.ContentTag(path)
		if err != nil {
			return errInternal(err)
		}
		sum.Source = "upload:" + format + ":" + layer + "@" + tag
	}
	var load []importer.Option
	if replace {
		load = append(load, importer.WithReplace())
	}
	start := time.Now()
	ch, err := importer.Load(ctx, s.store, sum.Source, feats, sum, load...)
	if err != nil {
		if ctx.Err() != nil {
			return s.importCut(err)
		}
		if errors.Is(err, store.ErrUnavailable) {
			return errUnavailable("the store is unavailable; nothing was imported", err)
		}
		return &appError{Status: http.StatusUnprocessableEntity, Title: "Not imported", Detail: err.Error() + "; the store is unchanged"}
	}
	s.index.Apply(ch)
	sum.LoadSeconds = time.Since(start).Seconds()
	sum.File = ""
	tot := sum.Totals()
	s.logWrite(r, "import", "source", sum.Source, "format", format, "layer", layer, "imported", tot.Imported, "deleted", tot.Deleted, "replace", replace)
	return writeJSON(w, http.StatusOK, sum)
}

// importCut is the answer to an import stopped by its time budget or by the
// client going away: nothing of it was written.
func (s *Server) importCut(err error) *appError {
	return &appError{Status: http.StatusServiceUnavailable, Title: "Import stopped",
		Detail: fmt.Sprintf("reading and writing the file may take at most %s (the write timeout); nothing of it was written: import large files with the CLI (greenreach import)", s.cfg.WriteTimeout), Err: err}
}
