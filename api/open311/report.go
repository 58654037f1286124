package open311

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gorilla/mux"
	"github.com/greenreach/greenreach/api/web"
	"github.com/greenreach/greenreach/cases"
	"github.com/greenreach/greenreach/cases/photo"
	"github.com/greenreach/greenreach/store"
	"github.com/paulmach/orb"
)

// created is the answer to a report.
type created struct {
	XMLName          xml.Name `json:"-" xml:"request"`
	ServiceRequestID string   `json:"service_request_id" xml:"service_request_id"`
	ServiceNotice    string   `json:"service_notice" xml:"service_notice"`
	AccountID        *string  `json:"account_id" xml:"-"` // null: reports are anonymous
	AccountIDXML     string   `json:"-" xml:"account_id"`
}

type createdList struct {
	XMLName  xml.Name `xml:"service_requests"`
	Requests []created
}

// Reporter is the name a citizen's report is recorded under (never public).
const Reporter = "open311"

// postFields are the fields a report may carry; others are refused.
// api_key and jurisdiction_id are ignored (reports are anonymous, the
// endpoint serves one city), and so is account_id (there are no accounts).
var postFields = []string{"service_code", "lat", "long", "address_string", "address_id", "email", "device_id", "account_id",
	"first_name", "last_name", "phone", "description", "media_url", "jurisdiction_id", "api_key"}

// limits are the workflow's input limits.
func (s *Service) limits() cases.Limits {
	if s.Cases.Limits == (cases.Limits{}) {
		return cases.DefaultLimits
	}
	return s.Cases.Limits
}

// photoLimits bound a report's media: the configured ones, by default
// the size the workflow keeps.
func (s *Service) photoLimits() photo.Limits {
	l := s.Photo
	if l.MaxBytes <= 0 {
		l.MaxBytes = int64(s.limits().PhotoBytes)
	}
	return l
}

// PostRequest: POST /open311/v2/requests.{json,xml} — an anonymous
// citizen's report, form-encoded or multipart (with the photo as the file
// part media, checked and re-encoded without metadata before it is
// stored). media_url is refused: a photo elsewhere cannot be checked.
// The contact fields are kept for the staff and never shown.
func (s *Service) PostRequest(w http.ResponseWriter, r *http.Request) *web.Error {
	if e := web.OnlyParams(web.Query(r), "jurisdiction_id", "api_key", "lang"); e != nil {
		return e
	}
	l, e := lang(w, r)
	if e != nil {
		return e
	}
	form, media, e := s.readForm(w, r)
	if e != nil {
		return e
	}
	rep, e := s.report(form, media)
	if e != nil {
		return e
	}
	c, err := s.Cases.Report(r.Context(), cases.Actor{Name: Reporter, Role: store.RolePublic}, *rep)
	if err != nil {
		return storeError(err)
	}
	return s.write(w, r, http.StatusOK, createdList{Requests: []created{{
		ServiceRequestID: strconv.FormatInt(c.ID, 10),
		ServiceNotice:    notice(s.Cases.Catalog.Category(c.Category), l),
	}}})
}

// report checks the form's fields and builds the workflow's report.
func (s *Service) report(form url.Values, media []byte) (*cases.Report, *web.Error) {
	for k, v := range form {
		if !contains(postFields, k) {
			if len(k) > 64 {
				k = k[:64] + "…"
			}
			if k == "media" {
				return nil, web.BadRequest("media is a photo: send it as the file part media of a multipart/form-data report")
			}
			if strings.HasPrefix(k, "attribute") {
				return nil, web.BadRequest("%s: no service has attributes (their metadata is false)", k)
			}
			return nil, web.BadRequest("unknown field %q (a report takes %s and, in multipart/form-data, the photo media)", k, strings.Join(postFields, ", "))
		}
		if len(v) > 1 {
			return nil, web.BadRequest("%s is given %d times", k, len(v))
		}
	}
	code := form.Get("service_code")
	if code == "" {
		return nil, web.BadRequest("service_code is required (see services.json)")
	}
	if s.Cases.Catalog.Category(code) == nil {
		if len(code) > 64 {
			code = code[:64] + "…"
		}
		return nil, web.NotFound("service_code %q not found (see services.json)", code)
	}
	if form.Get("media_url") != "" {
		return nil, web.BadRequest("media_url is not accepted: a photo elsewhere cannot be checked; send it as the file part media of a multipart/form-data report")
	}
	if form.Get("address_id") != "" {
		return nil, web.BadRequest("address_id is not accepted: there is no address repository here; send lat and long")
	}
	if form.Get("lat") == "" || form.Get("long") == "" {
		return nil, web.BadRequest("lat and long are required (WGS84 degrees); address_string alone is not located")
	}
	lat, e := coord(form, "lat", 90)
	if e != nil {
		return nil, e
	}
	lon, e := coord(form, "long", 180)
	if e != nil {
		return nil, e
	}
	lim := s.limits()
	for _, f := range []string{"email", "first_name", "last_name", "phone", "device_id"} {
		if e := field(f, form.Get(f), maxField); e != nil {
			return nil, e
		}
	}
	if e := field("address_string", form.Get("address_string"), maxAddress); e != nil {
		return nil, e
	}
	desc := form.Get("description")
	if e := field("description", desc, lim.Description); e != nil {
		return nil, e
	}
	if strings.TrimSpace(desc) == "" {
		return nil, web.BadRequest("description is required: say what is wrong")
	}
	if a := strings.TrimSpace(form.Get("address_string")); a != "" {
		desc += addressMark + a
		if n := utf8.RuneCountInString(desc); n > lim.Description {
			return nil, web.BadRequest("description and address_string: %d characters together, more than the limit of %d", n, lim.Description)
		}
	}
	// The cheap checks of the workflow come first, before a photo is decoded.
	pt := orb.Point{lon, lat}
	if b := s.Cases.Bound; !b.Contains(pt) {
		return nil, web.BadRequest("lat/long: (%g, %g) is outside the city's bounds [%g, %g – %g, %g]", lat, lon, b.Min[1], b.Min[0], b.Max[1], b.Max[0])
	}
	who := contact(form)
	if n := utf8.RuneCountInString(who); n > lim.Contact {
		return nil, web.BadRequest("email, first_name, last_name, phone and device_id together: %d characters, more than the limit of %d", n, lim.Contact)
	}
	rep := &cases.Report{Category: code, Point: pt, Description: desc, Source: "citizen", Contact: who}
	if media != nil {
		p, err := photo.CheckBytes(media, s.photoLimits())
		if err != nil {
			if errors.Is(err, photo.ErrRefused) {
				return nil, web.BadRequest("media: %v", err)
			}
			return nil, web.Internal(err)
		}
		f, err := p.Clean()
		if err != nil {
			return nil, web.Internal(err)
		}
		rep.Photos = []store.Photo{{Type: f.ContentType(), Data: f.Data}}
	}
	return rep, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// coord reads a finite number within ±max degrees.
func coord(form url.Values, name string, max float64) (float64, *web.Error) {
	v := form.Get(name)
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		if len(v) > 32 {
			v = v[:32] + "…"
		}
		return 0, web.BadRequest("%s=%q is not a number (WGS84 degrees)", name, v)
	}
	if f < -max || f > max {
		return 0, web.BadRequest("%s=%g is outside ±%g degrees", name, f, max)
	}
	return f, nil
}

// field checks a free text field: valid UTF-8 of at most max characters.
func field(name, v string, max int) *web.Error {
	if !utf8.ValidString(v) {
		return web.BadRequest("%s is not valid UTF-8", name)
	}
	if n := utf8.RuneCountInString(v); n > max {
		return web.BadRequest("%s: %d characters, more than the limit of %d", name, n, max)
	}
	return nil
}

// contact joins the reporter's contact fields for the staff.
func contact(form url.Values) string {
	var parts []string
	if n := strings.TrimSpace(form.Get("first_name") + " " + form.Get("last_name")); n != "" {
		parts = append(parts, "name: "+n)
	}
	for _, f := range []string{"email", "phone", "device_id"} {
		if v := strings.TrimSpace(form.Get(f)); v != "" {
			parts = append(parts, strings.TrimSuffix(f, "_id")+": "+v)
		}
	}
	return strings.Join(parts, "; ")
}

// readForm reads a report's body: form-encoded, or multipart with at most
// one file, the part media. Every size is bounded before it is read: the
// fields together by maxFormBytes, the photo by its byte limit.
func (s *Service) readForm(w http.ResponseWriter, r *http.Request) (url.Values, []byte, *web.Error) {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		mt = ""
	}
	maxMedia := s.photoLimits().MaxBytes
	switch mt {
	case "application/x-www-form-urlencoded":
		b, err := io.ReadAll(io.LimitReader(r.Body, maxFormBytes+1))
		if err != nil {
			return nil, nil, web.BadRequest("reading the body: %v", err)
		}
		if len(b) > maxFormBytes {
			return nil, nil, web.BadRequest("the form is larger than the limit of %d bytes (a photo goes in a multipart/form-data report)", maxFormBytes)
		}
		form, err := url.ParseQuery(string(b))
		if err != nil {
			return nil, nil, web.BadRequest("malformed form: %v", err)
		}
		return form, nil, nil
	case "multipart/form-data":
		if params["boundary"] == "" {
			return nil, nil, web.BadRequest("multipart/form-data without a boundary")
		}
		body := http.MaxBytesReader(w, r.Body, maxMedia+maxFormBytes+maxParts*1024)
		return readMultipart(multipart.NewReader(body, params["boundary"]), maxMedia)
	}
	return nil, nil, web.BadRequest("Content-Type %q: a report is application/x-www-form-urlencoded or multipart/form-data", r.Header.Get("Content-Type"))
}

func readMultipart(mr *multipart.Reader, maxMedia int64) (url.Values, []byte, *web.Error) {
	form := url.Values{}
	var media []byte
	budget := int64(maxFormBytes)
	for n := 0; ; n++ {
		p, err := mr.NextPart()
		if err == io.EOF {
			return form, media, nil
		}
		if err != nil {
			return nil, nil, bodyError(err, maxMedia)
		}
		if n >= maxParts {
			return nil, nil, web.BadRequest("more than %d parts", maxParts)
		}
		name := p.FormName()
		if name == "media" {
			if media != nil {
				return nil, nil, web.BadRequest("media: one photo per report")
			}
			b, err := io.ReadAll(io.LimitReader(p, maxMedia+1))
			if err != nil {
				return nil, nil, bodyError(err, maxMedia)
			}
			if int64(len(b)) > maxMedia {
				return nil, nil, web.BadRequest("media: larger than the limit of %d bytes", maxMedia)
			}
			if len(b) > 0 {
				media = b
			}
			continue
		}
		if p.FileName() != "" {
			return nil, nil, web.BadRequest("%s: a file; only media may be one", name)
		}
		var buf bytes.Buffer
		k, err := io.Copy(&buf, io.LimitReader(p, budget+1))
		if err != nil {
			return nil, nil, bodyError(err, maxMedia)
		}
		if budget -= k; budget < 0 {
			return nil, nil, web.BadRequest("the fields are larger than the limit of %d bytes together", maxFormBytes)
		}
		form.Add(name, buf.String())
	}
}

func bodyError(err error, maxMedia int64) *web.Error {
	var mb *http.MaxBytesError
	if errors.As(err, &mb) {
		return web.BadRequest("the body is larger than the limit of %d bytes (a photo of at most %d bytes and the fields)", mb.Limit, maxMedia)
	}
	return web.BadRequest("malformed multipart body: %v", err)
}

// Media: GET /open311/v2/media/{id}.jpg — the thumbnail of a report's
// photo, re-encoded from its pixels (no metadata). Photos of later steps
// are the staff's and not served here.
func (s *Service) Media(w http.ResponseWriter, r *http.Request) *web.Error {
	if e := web.OnlyParams(web.Query(r)); e != nil {
		return e
	}
	id, err := strconv.ParseInt(mux.Vars(r)["id"], 10, 64)
	if err != nil || id < 1 {
		return web.NotFound("no such media")
	}
	release, e := s.reads(r.Context())
	if e != nil {
		return e
	}
	defer release()
	p, err := s.Cases.Store.CasePhoto(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return web.NotFound("media %d not found", id)
	}
	if err != nil {
		return storeError(err)
	}
	first, err := s.reportPhoto(r.Context(), p.CaseID)
	if err != nil {
		return storeError(err)
	}
	if first != p.ID {
		return web.NotFound("media %d not found", id)
	}
	img, err := photo.CheckBytes(p.Data, photo.Limits{MaxBytes: max(int64(len(p.Data)), s.photoLimits().MaxBytes)})
	if err != nil {
		return web.Internal(fmt.Errorf("stored photo %d: %w", id, err))
	}
	th, err := img.Thumb(0)
	if err != nil {
		return web.Internal(err)
	}
	w.Header().Set("Content-Type", th.ContentType())
	w.Header().Set("Cache-Control", "public, max-age=86400")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Write(th.Data)
	return nil
}
