package api

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"testing"
	"time"

	"github.com/greenreach/greenreach/cases"
	"github.com/greenreach/greenreach/live"
	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/store/storetest/testenv"
	"github.com/paulmach/orb"
)

// caseZones is a fake cases.Zones: each zone a box.
type caseZones []struct {
	b orb.Bound
	z cases.Zone
}

func (zs caseZones) ZoneAt(ctx context.Context, p orb.Point) (cases.Zone, bool, error) {
	for _, z := range zs {
		if z.b.Contains(p) {
			return z.z, true, nil
		}
	}
	return cases.Zone{}, false, nil
}

// The test town: two zones side by side around 东湖 in Chengdu, units U01
// and U02.
var (
	caseCity = orb.Bound{Min: orb.Point{103.9, 30.5}, Max: orb.Point{104.3, 30.8}}
	caseTown = caseZones{
		{orb.Bound{Min: orb.Point{104.0, 30.6}, Max: orb.Point{104.1, 30.7}}, cases.Zone{ID: "Z-W", Unit: "U01"}},
		{orb.Bound{Min: orb.Point{104.1, 30.6}, Max: orb.Point{104.2, 30.7}}, cases.Zone{ID: "Z-E", Unit: "U02"}},
	}
	// caseT0 is 08:00 Beijing time on 2 March 2026.
	caseT0 = time.Date(2026, 3, 2, 8, 0, 0, 0, time.FixedZone("CST", 8*3600))
)

// Secrets that must never reach the public: the reporter's contact, the
// staff's token names, the photo's metadata.
const (
	secretContact = "138 0000 0001"
	secretComment = "SECRET-PLACE-东湖北门"
)

// caseEnv is a server on a store with a token of every role: inspector
// (insp-wang), dispatcher (disp-li), unit U01 (dh-team), unit U02
// (jj-team), auditor, planner, admin.
type caseEnv struct {
	t   *testing.T
	s   *Server
	h   http.Handler
	st  store.Store
	clk *testenv.Clock
	tok map[string]string // by token name
}

var caseTokens = []store.Token{
	{Name: "insp-wang", Role: store.RoleInspector},
	{Name: "disp-li", Role: store.RoleDispatcher},
	{Name: "dh-team", Role: store.RoleUnit, Unit: "U01"},
	{Name: "jj-team", Role: store.RoleUnit, Unit: "U02"},
	{Name: "audit-zhao", Role: store.RoleAuditor},
	{Name: "plan-chen", Role: store.RolePlanner},
	{Name: "root", Role: store.RoleAdmin},
}

func newCaseEnv(t *testing.T, st store.Store) *caseEnv {
	t.Helper()
	ctx := context.Background()
	ix, err := live.Load(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	clk := testenv.NewClock(caseT0)
	cfg := openConfig()
	cfg.Anonymous = store.RolePublic
	cfg.CaseZones, cfg.CaseBound, cfg.CaseClock = caseTown, caseCity, clk.Now
	s := New(cfg, st, ix, slog.New(slog.NewTextHandler(io.Discard, nil)))
	e := &caseEnv{t: t, s: s, h: s.Handler(), st: st, clk: clk, tok: map[string]string{}}
	for _, tk := range caseTokens {
		secret, hash := store.NewToken()
		tk.Hash = hash
		if err := st.CreateToken(ctx, &tk); err != nil {
			t.Fatal(err)
		}
		e.tok[tk.Name] = secret
	}
	return e
}

// req is one request: as whom ("" anonymous), with an If-Match version
// (0: none), a body and its type.
type req struct {
	method, path, as string
	ifMatch          int64
	body             []byte
	ctype            string
}

func (e *caseEnv) do(q req) *httptest.ResponseRecorder {
	r := httptest.NewRequest(q.method, q.path, bytes.NewReader(q.body))
	if q.as != "" {
		tok, ok := e.tok[q.as]
		if !ok {
			e.t.Fatalf("no token %s", q.as)
		}
		r.Header.Set("Authorization", "Bearer "+tok)
	}
	if q.ifMatch > 0 {
		r.Header.Set("If-Match", fmt.Sprintf(`"v%d"`, q.ifMatch))
	}
	if q.ctype != "" {
		r.Header.Set("Content-Type", q.ctype)
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, r)
	return rec
}

// ok decodes a successful answer into a case, failing the test on another
// status.
func (e *caseEnv) ok(rec *httptest.ResponseRecorder, want int, what string) CaseJSON {
	e.t.Helper()
	if rec.Code != want {
		e.t.Fatalf("%s: %d, want %d: %s", what, rec.Code, want, rec.Body)
	}
	var c CaseJSON
	if err := json.Unmarshal(rec.Body.Bytes(), &c); err != nil {
		e.t.Fatalf("%s: %v", what, err)
	}
	if etag := rec.Header().Get("ETag"); etag != fmt.Sprintf(`"v%d"`, c.Version) {
		e.t.Errorf("%s: ETag %s for version %d", what, etag, c.Version)
	}
	return c
}

// problem checks a refusal: the status, as problem+json.
func (e *caseEnv) problem(rec *httptest.ResponseRecorder, want int, what string) {
	e.t.Helper()
	if rec.Code != want || rec.Header().Get("Content-Type") != "application/problem+json" {
		e.t.Errorf("%s: %d %s, want %d problem+json: %s", what, rec.Code, rec.Header().Get("Content-Type"), want, rec.Body)
	}
}

// step takes a step as whom at time at (JSON body, or multipart with
// photos).
func (e *caseEnv) step(as string, c CaseJSON, action string, at time.Time, body any, photos ...[]byte) *httptest.ResponseRecorder {
	e.clk.Set(at)
	b, ct := caseBodyOf(e.t, body, photos...)
	return e.do(req{method: "POST", path: fmt.Sprintf("/api/cases/%d/%s", c.ID, action), as: as, ifMatch: c.Version, body: b, ctype: ct})
}

// caseBodyOf is body as JSON, or, with photos, a multipart form with a
// data part and photo parts.
func caseBodyOf(t *testing.T, body any, photos ...[]byte) ([]byte, string) {
	t.Helper()
	js, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	if len(photos) == 0 {
		return js, "application/json"
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if err := mw.WriteField("data", string(js)); err != nil {
		t.Fatal(err)
	}
	for i, p := range photos {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="photo"; filename="IMG_%04d.jpg"`, i))
		h.Set("Content-Type", "image/jpeg")
		w, err := mw.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(p)
	}
	mw.Close()
	return buf.Bytes(), mw.FormDataContentType()
}

// phonePhoto is a JPEG as a phone writes it: an image with an EXIF block
// whose IFD0 points to a GPS IFD (latitude 30°39'N), and a comment naming
// the place.
func phonePhoto(t *testing.T, shade uint8) []byte {
	t.Helper()
	m := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for y := 0; y < 48; y++ {
		for x := 0; x < 64; x++ {
			m.Set(x, y, color.RGBA{shade, uint8(x * 4), uint8(y * 5), 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	be := binary.BigEndian
	// TIFF: header, IFD0 {GPSInfo → 26}, GPS IFD {LatitudeRef "N",
	// Latitude → 56}, three rationals.
	tiff := []byte("MM\x00\x2a\x00\x00\x00\x08")
	tiff = be.AppendUint16(tiff, 1)
	tiff = append(be.AppendUint32(be.AppendUint16(be.AppendUint16(tiff, 0x8825), 4), 1), 0, 0, 0, 26)
	tiff = be.AppendUint32(tiff, 0)
	tiff = be.AppendUint16(tiff, 2)
	tiff = append(be.AppendUint32(be.AppendUint16(be.AppendUint16(tiff, 0x0001), 2), 2), 'N', 0, 0, 0)
	tiff = be.AppendUint32(be.AppendUint32(be.AppendUint16(be.AppendUint16(tiff, 0x0002), 5), 3), 56)
	tiff = be.AppendUint32(tiff, 0)
	for _, v := range []uint32{30, 1, 39, 1, 4, 1} {
		tiff = be.AppendUint32(tiff, v)
	}
	seg := func(marker byte, payload []byte) []byte {
		return append(be.AppendUint16([]byte{0xff, marker}, uint16(len(payload)+2)), payload...)
	}
	jpg := buf.Bytes()
	out := append([]byte{}, jpg[:2]...)
	out = append(out, seg(0xe1, append([]byte("Exif\x00\x00"), tiff...))...)
	out = append(out, seg(0xfe, []byte(secretComment))...)
	return append(out, jpg[2:]...)
}

// caseCount is how many cases the store holds, and events and photos in
// all (photos: the highest photo id found by probing from 1).
func caseCount(t *testing.T, st store.Store) (ncases, nevents, nphotos int) {
	t.Helper()
	ctx := context.Background()
	list, err := st.ListCases(ctx, store.CaseFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range list {
		evs, err := st.CaseEvents(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		nevents += len(evs)
		for _, ev := range evs {
			nphotos += len(ev.Photos)
		}
	}
	return len(list), nevents, nphotos
}
