package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
	"time"

	"github.com/greenreach/greenreach/api/web"
	"github.com/greenreach/greenreach/cases/photo"
	"github.com/greenreach/greenreach/store"
)

// Photos of cases: uploaded with a report or a step as multipart parts,
// bounded before they are read, checked and re-encoded by cases/photo
// (Clean drops every metadata block, EXIF GPS included) inside the work
// queue; only the cleaned file is stored. Staff read them, and thumbnails
// made from them, at /api/cases/{id}/photos/{pid}[/thumb].

// caseBody reads a report's or a step's body into v: JSON (an empty body
// is {}), or multipart/form-data whose "data" part is that JSON and whose
// "photo" parts are photos, at most the workflow's photos per step, each
// at most the photo limit. The whole body is bounded before it is read.
// A body with photos holds one of maxPhotoUploads turns until the caller
// calls done, once its photos are cleaned and stored: memory is bounded
// by their number times the body's limit, however many phones upload.
func (s *Server) caseBody(w http.ResponseWriter, r *http.Request, v any) (photos [][]byte, done func(), e *appError) {
	done = func() {}
	per := casePhotoBytes(s.cfg)
	maxPhotos := s.cases.Limits.Photos
	ct := r.Header.Get("Content-Type")
	media, params, err := mime.ParseMediaType(ct)
	if ct == "" {
		media, err = "application/json", nil
	}
	if err != nil {
		return nil, done, &appError{Status: http.StatusUnsupportedMediaType, Title: "Unsupported media type", Detail: fmt.Sprintf("Content-Type %q: send application/json or multipart/form-data", ct)}
	}
	switch media {
	case "application/json":
		return nil, done, s.decodeCaseJSON(http.MaxBytesReader(w, r.Body, maxCaseJSON), v)
	case "multipart/form-data":
	default:
		return nil, done, &appError{Status: http.StatusUnsupportedMediaType, Title: "Unsupported media type", Detail: fmt.Sprintf("Content-Type %s: send application/json, or multipart/form-data with a data part (the JSON) and photo parts", media)}
	}
	if params["boundary"] == "" {
		return nil, done, errBadRequest("multipart/form-data without a boundary")
	}
	release, e := s.photos.acquire(r.Context())
	if e != nil {
		return nil, done, e
	}
	photos, e = s.readMultipart(w, r, params["boundary"], v, maxPhotos, per)
	if e != nil {
		release()
		return nil, done, e
	}
	return photos, release, nil
}

// readMultipart reads caseBody's multipart form.
func (s *Server) readMultipart(w http.ResponseWriter, r *http.Request, boundary string, v any, maxPhotos int, per int64) ([][]byte, *appError) {
	total := int64(maxPhotos)*per + maxCaseJSON + 64<<10 // parts' headers and boundaries
	mr := multipart.NewReader(s.photoUpload(w, r, total), boundary)
	var photos [][]byte
	data := false
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return photos, nil
		}
		if err != nil {
			return nil, s.bodyError(err, total)
		}
		switch part.FormName() {
		case "data":
			if data {
				return nil, errBadRequest("more than one data part")
			}
			data = true
			if e := s.decodeCaseJSON(io.LimitReader(part, maxCaseJSON+1), v); e != nil {
				return nil, e
			}
		case "photo":
			if len(photos) == maxPhotos {
				return nil, &appError{Status: http.StatusRequestEntityTooLarge, Title: "Too many photos", Detail: fmt.Sprintf("more than the limit of %d photos a report or step may carry", maxPhotos)}
			}
			b, err := io.ReadAll(io.LimitReader(part, per+1))
			if err != nil {
				return nil, s.bodyError(err, total)
			}
			if int64(len(b)) > per {
				return nil, &appError{Status: http.StatusRequestEntityTooLarge, Title: "Photo too large", Detail: fmt.Sprintf("photo %d is larger than the limit of %d bytes a photo may have", len(photos)+1, per)}
			}
			photos = append(photos, b)
		default:
			return nil, errBadRequest("unknown part %q: send data (the JSON) and photo parts", part.FormName())
		}
	}
}

// decodeCaseJSON decodes one JSON object from r (at most maxCaseJSON
// bytes; nothing is {}), refusing unknown fields.
func (s *Server) decodeCaseJSON(r io.Reader, v any) *appError {
	b, err := io.ReadAll(r)
	if err != nil {
		return s.bodyError(err, maxCaseJSON)
	}
	if len(b) > maxCaseJSON {
		return &appError{Status: http.StatusRequestEntityTooLarge, Title: "Body too large", Detail: fmt.Sprintf("the JSON is larger than the limit of %d bytes", maxCaseJSON)}
	}
	if strings.TrimSpace(string(b)) == "" {
		return nil
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return errBadRequest("the JSON body: %v", err)
	}
	if dec.More() {
		return errBadRequest("the JSON body: more than one value")
	}
	return nil
}

// photoUpload is r's body bounded by limit and, with a minimum rate
// configured, paced like an import's (upload.go): photos from a phone on a
// slow line may take longer than ReadTimeout, a trickle may not.
func (s *Server) photoUpload(w http.ResponseWriter, r *http.Request, limit int64) io.Reader {
	body := http.MaxBytesReader(w, r.Body, limit)
	if s.cfg.UploadMinRate <= 0 {
		return body
	}
	return &pacedBody{body: body, rc: http.NewResponseController(w), start: time.Now(), grace: s.uploadGrace(), rate: s.cfg.UploadMinRate, write: s.cfg.WriteTimeout}
}

// bodyError is the answer to a failed read of a body bounded by limit.
func (s *Server) bodyError(err error, limit int64) *appError {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return &appError{Status: http.StatusRequestEntityTooLarge, Title: "Body too large", Detail: fmt.Sprintf("the body is larger than the limit of %d bytes", limit)}
	}
	if e := s.slowUpload(err); e != nil {
		e.Detail = strings.Replace(e.Detail, "nothing was imported", "nothing was stored", 1)
		return e
	}
	return errBadRequest("reading the body: %v", err)
}

// timed bounds the work after an untimed upload by QueryTimeout.
func (s *Server) timed(r *http.Request) (*http.Request, context.CancelFunc) {
	if s.cfg.QueryTimeout <= 0 {
		return r, func() {}
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.QueryTimeout)
	return r.WithContext(ctx), cancel
}

// photoLimits are cases/photo's limits for uploads of at most the photo
// limit; stored photos (Clean's output) may be up to twice that.
func (s *Server) photoLimits(stored bool) photo.Limits {
	n := casePhotoBytes(s.cfg)
	if stored {
		n *= 2
	}
	return photo.Limits{MaxBytes: n}
}

// cleanPhotos checks each uploaded photo by its content and re-encodes it
// without metadata, in the work queue: decoding is the expensive part of
// a case's request. A refusal names the photo and the limit it hit.
func (s *Server) cleanPhotos(r *http.Request, raw [][]byte) ([]store.Photo, *appError) {
	if len(raw) == 0 {
		return nil, nil
	}
	release, e := s.work.acquire(r.Context())
	if e != nil {
		return nil, e
	}
	defer release()
	out := make([]store.Photo, 0, len(raw))
	for i, b := range raw {
		if err := r.Context().Err(); err != nil {
			return nil, errUnavailable("the request's time ran out while its photos were checked", err)
		}
		p, err := photo.CheckBytes(b, s.photoLimits(false))
		if err != nil {
			e := caseError(err)
			e.Detail = fmt.Sprintf("photo %d: %s", i+1, e.Detail)
			return nil, e
		}
		f, err := p.Clean()
		if err != nil {
			return nil, errInternal(err)
		}
		out = append(out, store.Photo{Type: f.ContentType(), Data: f.Data})
	}
	return out, nil
}

// handleCasePhoto: GET /api/cases/{id}/photos/{pid}[/thumb] — a case's
// photo (as stored: cleaned at upload) or its thumbnail, for those who
// may read the case. A stored file that carries metadata anyway is not
// served.
func (s *Server) handleCasePhoto(thumb bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) *appError {
		c, e := caseCaller(w, r)
		if e != nil {
			return e
		}
		if e := onlyParams(queryOf(r)); e != nil {
			return e
		}
		id, e := caseID(r, "id")
		if e != nil {
			return e
		}
		pid, e := caseID(r, "pid")
		if e != nil {
			return e
		}
		if _, e := s.readableCase(r, c, id); e != nil {
			return e
		}
		etag := fmt.Sprintf(`"p%d"`, pid)
		if thumb {
			etag = fmt.Sprintf(`"p%d-t"`, pid)
		}
		p, err := s.store.CasePhoto(r.Context(), pid)
		if err != nil {
			return caseError(err)
		}
		if p.CaseID != id {
			return errNotFound("case %d has no photo %d", id, pid)
		}
		w.Header().Set("ETag", etag)
		w.Header().Set("Cache-Control", "private, max-age=86400")
		if web.NotModified(w, r, etag) {
			return nil
		}
		data, typ := p.Data, p.Type
		if thumb {
			release, e := s.work.acquire(r.Context())
			if e != nil {
				return e
			}
			ph, err := photo.CheckBytes(p.Data, s.photoLimits(true))
			var f *photo.File
			if err == nil {
				f, err = ph.Thumb(0)
			}
			release()
			if err != nil {
				return errInternal(fmt.Errorf("thumbnail of photo %d: %w", pid, err))
			}
			data, typ = f.Data, f.ContentType()
		}
		if md, err := photo.Metadata(data); err != nil || len(md) > 0 {
			return errInternal(fmt.Errorf("stored photo %d of case %d is not a clean image (metadata %v, %v): not served", pid, id, md, err))
		}
		w.Header().Set("Content-Type", typ)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Content-Security-Policy", "default-src 'none'; sandbox")
		w.Write(data)
		return nil
	}
}
