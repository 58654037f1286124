package open311

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/mux"
	"github.com/greenreach/greenreach/api/web"
	"github.com/greenreach/greenreach/cases"
	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/store/storetest/testenv"
	"github.com/paulmach/orb"
)

// eachStore runs fn on a new empty store of every kind: in memory, a
// GeoPackage and PostGIS (testenv.EachStore).
func eachStore(t *testing.T, fn func(t *testing.T, st store.Store)) {
	testenv.EachStore(t, "open311", fn)
}

// oneZone puts the whole city in zone DH-01 of unit U01.
type oneZone struct{}

func (oneZone) ZoneAt(ctx context.Context, p orb.Point) (cases.Zone, bool, error) {
	return cases.Zone{ID: "DH-01", Unit: "U01"}, true, nil
}

type unitNames map[string]string

func (u unitNames) UnitName(ctx context.Context, id string) (string, bool, error) {
	n, ok := u[id]
	return n, ok, nil
}

var (
	cityBound = orb.Bound{Min: orb.Point{103.9, 30.5}, Max: orb.Point{104.3, 30.8}}
	inCity    = orb.Point{104.0612, 30.6512}
	t0        = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	unitName  = "东湖绿化养护公司"
)

type env struct {
	svc *Service
	clk *testenv.Clock
	st  store.Store
	h   http.Handler
}

func newEnv(t *testing.T, st store.Store) *env {
	clk := testenv.NewClock(t0)
	svc := &Service{
		Cases: &cases.Service{Store: st, Catalog: cases.Default(), Zones: oneZone{}, Clock: clk.Now, Bound: cityBound},
		Units: unitNames{"U01": unitName},
	}
	return &env{svc: svc, clk: clk, st: st, h: router(svc)}
}

// router mounts the service as api/routes.go does (without the server's
// middleware).
func router(s *Service) http.Handler {
	r := mux.NewRouter()
	h := func(f web.HandlerFunc) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if e := s.Handle(f)(w, r); e != nil {
				e.Write(w, r)
			}
		})
	}
	ext := ".{format:json|xml}"
	r.Handle(Prefix+"/discovery"+ext, h(s.Discovery)).Methods("GET")
	r.Handle(Prefix+"/services"+ext, h(s.Services)).Methods("GET")
	r.Handle(Prefix+"/requests"+ext, h(s.Requests)).Methods("GET")
	r.Handle(Prefix+"/requests"+ext, h(s.PostRequest)).Methods("POST")
	r.Handle(Prefix+"/requests/{id:[0-9]+}"+ext, h(s.Request)).Methods("GET")
	r.Handle(Prefix+"/media/{id:[0-9]+}.jpg", h(s.Media)).Methods("GET")
	return r
}

func (e *env) do(t *testing.T, method, path string, body []byte, ctype string, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return rec
}

func (e *env) get(t *testing.T, path string, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	return e.do(t, "GET", path, nil, "", hdr...)
}

// postForm sends a form-encoded report.
func (e *env) postForm(t *testing.T, form url.Values) *httptest.ResponseRecorder {
	t.Helper()
	return e.do(t, "POST", Prefix+"/requests.json", []byte(form.Encode()), "application/x-www-form-urlencoded; charset=utf-8")
}

// postMultipart sends a multipart report with media as its photo.
func (e *env) postMultipart(t *testing.T, path string, form url.Values, media []byte) *httptest.ResponseRecorder {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range form {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	if media != nil {
		fw, _ := mw.CreateFormFile("media", "IMG_0001.jpg")
		fw.Write(media)
	}
	mw.Close()
	return e.do(t, "POST", path, buf.Bytes(), mw.FormDataContentType())
}

// decode reads a JSON answer.
func decode[T any](t *testing.T, rec *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatalf("%d %s: %v", rec.Code, rec.Body, err)
	}
	return v
}

// report is a citizen's report with every contact field.
func report(code string) url.Values {
	return url.Values{
		"service_code": {code}, "lat": {"30.6512"}, "long": {"104.0612"},
		"address_string": {"东湖公园北门"},
		"description":    {"断枝挂在树上，随时会掉下来"},
		"email":          {secretEmail}, "first_name": {secretFirst}, "last_name": {secretLast},
		"phone": {secretPhone}, "device_id": {secretDevice},
		"api_key": {"xyz"}, "jurisdiction_id": {"city.gov"},
	}
}

// The reporter's contact and the staff's names and notes: never public.
const (
	secretEmail     = "wang.reporter@example.cn"
	secretFirst     = "Xiaoming"
	secretLast      = "Wangsecret"
	secretPhone     = "13800138000"
	secretDevice    = "dev-7f3a9c"
	secretInspector = "insp-zhao-private"
	secretDispatch  = "disp-qian-private"
	secretUnitToken = "unit-sun-private"
	secretNote      = "note-private-9921"
	secretArtist    = "ARTIST-PRIVATE-5512"
)

// gpsJPEG is a camera-like JPEG: an APP1 EXIF block with an Artist and a
// GPS IFD (30°39'12.34"N) before the image.
func gpsJPEG(t *testing.T, w, h int) []byte {
	t.Helper()
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			m.Set(x, y, color.RGBA{uint8(x * 7), uint8(y * 5), 90, 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	le := binary.LittleEndian
	artist := append([]byte(secretArtist), 0)
	// Layout: header 8, IFD0 (2 entries) 8..38, GPS IFD (2 entries) 38..68,
	// then the artist string and the latitude's rationals.
	const ifd0, gps = 8, 38
	artistOff := 68
	latOff := artistOff + len(artist)
	tiff := []byte("II*\x00")
	tiff = le.AppendUint32(tiff, ifd0)
	entry := func(b []byte, tag, typ uint16, count, value uint32) []byte {
		b = le.AppendUint16(b, tag)
		b = le.AppendUint16(b, typ)
		b = le.AppendUint32(b, count)
		return le.AppendUint32(b, value)
	}
	tiff = le.AppendUint16(tiff, 2)
	tiff = entry(tiff, 0x013b, 2, uint32(len(artist)), uint32(artistOff))
	tiff = entry(tiff, 0x8825, 4, 1, gps)
	tiff = le.AppendUint32(tiff, 0)
	tiff = le.AppendUint16(tiff, 2)
	tiff = entry(tiff, 0x0001, 2, 2, uint32('N'))
	tiff = entry(tiff, 0x0002, 5, 3, uint32(latOff))
	tiff = le.AppendUint32(tiff, 0)
	tiff = append(tiff, artist...)
	for _, r := range [][2]uint32{{30, 1}, {39, 1}, {1234, 100}} {
		tiff = le.AppendUint32(le.AppendUint32(tiff, r[0]), r[1])
	}
	app1 := append([]byte("Exif\x00\x00"), tiff...)
	seg := []byte{0xff, 0xe1}
	seg = binary.BigEndian.AppendUint16(seg, uint16(len(app1)+2))
	seg = append(seg, app1...)
	jpg := buf.Bytes()
	return append(append(append([]byte{}, jpg[:2]...), seg...), jpg[2:]...)
}

// allCases lists every stored case.
func allCases(t *testing.T, st store.Store) []store.Case {
	t.Helper()
	cs, err := st.ListCases(context.Background(), store.CaseFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// georeportError checks an answer is one GeoReport error of the status.
func georeportError(t *testing.T, rec *httptest.ResponseRecorder, status int) string {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status %d, want %d: %s", rec.Code, status, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("error as %s", ct)
	}
	var errs []map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &errs); err != nil || len(errs) != 1 {
		t.Fatalf("not a GeoReport error list: %s (%v)", rec.Body, err)
	}
	if len(errs[0]) != 2 || errs[0]["code"] != float64(status) || errs[0]["description"] == "" {
		t.Fatalf("error %v: want {code: %d, description}", errs[0], status)
	}
	return errs[0]["description"].(string)
}

// register registers case id (dispatching it to U01) as a dispatcher.
func (e *env) register(t *testing.T, id int64) {
	t.Helper()
	c, err := e.st.GetCase(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Cases.Take(context.Background(), cases.Actor{Name: secretDispatch, Role: cases.RoleDispatcher}, id, c.Version, cases.Step{Action: cases.ActRegister, Note: secretNote}); err != nil {
		t.Fatal(err)
	}
}
