package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"

	"github.com/greenreach/greenreach/cases"
	"github.com/greenreach/greenreach/cases/hotline"
	"github.com/greenreach/greenreach/store"
)

// caseImporters are the roles that may import a 12345 export.
var caseImporters = []string{store.RoleDispatcher, store.RoleAdmin}

// uploadName is how messages name the uploaded file.
const uploadName = "the upload"

// handleCaseImport: POST /api/cases/import, the body a 12345 export (CSV,
// UTF-8 or GB18030), imported as reported cases all or none
// (cases/hotline). ?dry_run=true checks and places every row, storing
// nothing; ?crs= is the coordinate system of rows that name none. Bad rows
// are a 422 problem+json whose rows member lists them; nothing is stored.
func (s *Server) handleCaseImport(w http.ResponseWriter, r *http.Request) *appError {
	c, e := caseCaller(w, r)
	if e != nil {
		return e
	}
	if !slices.Contains(caseImporters, c.Role) {
		return forbidden(fmt.Sprintf("role %q may not import cases: dispatcher or admin", c.Role))
	}
	q := queryOf(r)
	if e := onlyParams(q, "dry_run", "crs"); e != nil {
		return e
	}
	o := hotline.Options{CRS: q.Get("crs")}
	if v := q.Get("dry_run"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return errBadRequest("dry_run=%q: want true or false", v)
		}
		o.DryRun = b
	}
	if o.CRS != "" && !slices.Contains([]string{"wgs84", "gcj02", "bd09"}, o.CRS) {
		return errBadRequest("crs=%q: want wgs84, gcj02 or bd09", o.CRS)
	}
	limit := min(s.cfg.MaxUploadBytes, hotline.DefaultLimits.FileBytes)
	data, err := io.ReadAll(io.LimitReader(s.uploadBody(w, r), limit+1))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return caseImportTooLarge(limit)
		}
		if e := s.slowUpload(err); e != nil {
			return e
		}
		return errBadRequest("reading the upload: %v", err)
	}
	if int64(len(data)) > limit {
		return caseImportTooLarge(limit)
	}
	if len(data) == 0 {
		return errBadRequest("the body is empty: send the CSV as the request body")
	}
	release, e := s.work.acquire(r.Context())
	if e != nil {
		return e
	}
	defer release()
	ctx := r.Context()
	if t := s.cfg.WriteTimeout; t > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, t)
		defer cancel()
	}
	bound, ok := s.caseBound()
	if !ok {
		return &appError{Status: http.StatusUnprocessableEntity, Title: "No city", Detail: "the store holds no layers, so no row can be placed in the city"}
	}
	if o.Places, err = hotline.NewPlaces(ctx, s.index.Snapshot()); err != nil {
		return errUnavailable("reading the named features took too long", err)
	}
	// A Service of its own, bounded by the city: imports only report, so
	// they need not share the registrations' lock.
	svc := &cases.Service{Store: s.cases.Store, Catalog: s.cases.Catalog, Clock: s.cases.Clock, Limits: s.cases.Limits, Bound: bound}
	res, err := hotline.Import(ctx, svc, cases.Actor{Name: c.Name, Role: c.Role}, uploadName, bytes.NewReader(data), o)
	var re *hotline.RowsError
	switch {
	case errors.As(err, &re):
		writeRowsProblem(w, r, re)
		return nil
	case errors.Is(err, hotline.ErrFile):
		return &appError{Status: http.StatusUnprocessableEntity, Title: "Unreadable 12345 export", Detail: err.Error() + " (nothing imported)"}
	case errors.Is(err, store.ErrUnavailable):
		return errUnavailable("the store is unavailable: nothing imported", err)
	case ctx.Err() != nil:
		return &appError{Status: http.StatusServiceUnavailable, Title: "Import cut off", Detail: "the import took longer than the server's write timeout: nothing imported; import it with the CLI (greenreach cases import)", Err: err}
	case err != nil:
		return errInternal(err)
	}
	s.logWrite(r, "cases import", "rows", res.Rows, "stored", res.Stored, "existing", res.Existing, "dry_run", res.DryRun)
	return writeJSON(w, http.StatusOK, res)
}

func caseImportTooLarge(limit int64) *appError {
	return &appError{Status: http.StatusRequestEntityTooLarge, Title: "Upload too large",
		Detail: fmt.Sprintf("the export is over the limit of %d bytes; split it, or import it with the CLI (greenreach cases import)", limit)}
}

// writeRowsProblem answers 422 problem+json listing every row that cannot
// be imported (line, 工单编号, reason).
func writeRowsProblem(w http.ResponseWriter, r *http.Request, re *hotline.RowsError) {
	body := struct {
		Type     string            `json:"type"`
		Instance string            `json:"instance"`
		Status   int               `json:"status"`
		Title    string            `json:"title"`
		Detail   string            `json:"detail"`
		Rows     []hotline.Problem `json:"rows"`
	}{"about:blank", r.URL.Path, http.StatusUnprocessableEntity, "Rows cannot be imported",
		fmt.Sprintf("%d rows cannot be imported: nothing imported", len(re.Problems)), re.Problems}
	b, _ := json.Marshal(body)
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusUnprocessableEntity)
	w.Write(append(b, '\n'))
}
