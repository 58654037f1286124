package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/geo/coverage"
	"github.com/greenreach/greenreach/geo/coverage/report"
	"github.com/greenreach/greenreach/store"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"
)

func do(t *testing.T, h http.Handler, method, path, body string, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// parkEdit is a scenario edit adding a 180 m square park at c.
func parkEdit(c [2]float64, name string) string {
	return fmt.Sprintf(`{"type":"Feature","properties":{"op":"add","layer":"green","name":%q,"kind":"park","public":true},"geometry":{"type":"Polygon","coordinates":[[[%[2]f,%[3]f],[%[4]f,%[3]f],[%[4]f,%[5]f],[%[2]f,%[5]f],[%[2]f,%[3]f]]]}}`,
		name, c[0]-0.0009, c[1]-0.0008, c[0]+0.0009, c[1]+0.0008)
}

// TestScenarios: the scenario lifecycle over HTTP — create, read with its
// ETag, writes refused without If-Match (428) or with a stale one (412),
// concurrent saves of which exactly one wins and nothing is lost, the
// scenario's what-if, and a commit that the audit and tiles see at once.
func TestScenarios(t *testing.T) {
	s, _, ix := demoServer(t)
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	h := s.Handler()
	a, _ := s.audit(httptest.NewRequest("GET", "/", nil), coverage.Walk)
	var far *coverage.Parcel
	for _, p := range a.Parcels {
		if far == nil || a.Results[0].Distance.Of(p.ID) > a.Results[0].Distance.Of(far.ID) {
			far = p
		}
	}
	c := far.Point
	body := `{"name":"东区新公园","edits":{"type":"FeatureCollection","features":[` + parkEdit(c, "新公园") + `]}}`
	rec := do(t, h, "POST", "/api/scenarios", body, "X-User", "planner1")
	if rec.Code != 201 || rec.Header().Get("ETag") != `"v1"` || rec.Header().Get("Location") == "" {
		t.Fatalf("create: %d %s %v", rec.Code, rec.Body, rec.Header())
	}
	var sc ScenarioJSON
	json.Unmarshal(rec.Body.Bytes(), &sc)
	path := fmt.Sprintf("/api/scenarios/%d", sc.ID)
	if rec := do(t, h, "GET", path, ""); rec.Code != 200 || rec.Header().Get("ETag") != `"v1"` || !strings.Contains(rec.Body.String(), "新公园") {
		t.Fatalf("get: %d %s", rec.Code, rec.Body)
	}
	if rec := do(t, h, "PATCH", path, body); rec.Code != 428 {
		t.Errorf("PATCH without If-Match: %d", rec.Code)
	}
	// Eight planners save at once from v1: one wins, seven get 412.
	var wg sync.WaitGroup
	codes := make([]int, 8)
	for i := range codes {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			b := fmt.Sprintf(`{"name":"edit %d","edits":{"type":"FeatureCollection","features":[%s]}}`, i, parkEdit(c, fmt.Sprintf("公园%d", i)))
			req, _ := http.NewRequest("PATCH", srv.URL+path, strings.NewReader(b))
			req.Header.Set("If-Match", `"v1"`)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			codes[i] = resp.StatusCode
		}(i)
	}
	wg.Wait()
	won := -1
	for i, code := range codes {
		switch code {
		case 200:
			if won >= 0 {
				t.Fatalf("two saves won: %v", codes)
			}
			won = i
		case 412:
		default:
			t.Errorf("save %d: %d", i, code)
		}
	}
	if won < 0 {
		t.Fatalf("no save won: %v", codes)
	}
	rec = do(t, h, "GET", path, "")
	if !strings.Contains(rec.Body.String(), fmt.Sprintf("公园%d", won)) || !strings.Contains(rec.Body.String(), fmt.Sprintf(`"edit %d"`, won)) || rec.Header().Get("ETag") != `"v2"` {
		t.Fatalf("stored scenario is not the winner's (%d): %s", won, rec.Body)
	}
	if rec := do(t, h, "PATCH", path, body, "If-Match", `"v1"`); rec.Code != 412 || rec.Header().Get("Content-Type") != "application/problem+json" {
		t.Errorf("stale PATCH: %d", rec.Code)
	}
	// The scenario's what-if.
	rec = do(t, h, "POST", fmt.Sprintf("/api/whatif?scenario=%d", sc.ID), "")
	var wi whatIfAnswer
	if err := json.Unmarshal(rec.Body.Bytes(), &wi); err != nil || rec.Code != 200 || wi.Rules[0].NewlyCovered <= 0 {
		t.Fatalf("scenario what-if: %d %s", rec.Code, rec.Body)
	}
	// Commit: the baseline gets the park; the audit shows the what-if's after.
	if rec := do(t, h, "POST", path+"/commit", "", "If-Match", `"v1"`); rec.Code != 412 {
		t.Errorf("stale commit: %d", rec.Code)
	}
	greenBefore := ix.Snapshot().Layer(geo.Green).Len()
	rec = do(t, h, "POST", path+"/commit", "", "If-Match", `"v2"`, "X-User", "admin1")
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"committed_by":"admin1"`) {
		t.Fatalf("commit: %d %s", rec.Code, rec.Body)
	}
	if n := ix.Snapshot().Layer(geo.Green).Len(); n != greenBefore+1 {
		t.Errorf("green %d → %d after commit", greenBefore, n)
	}
	var after report.JSON
	json.Unmarshal(do(t, h, "GET", "/api/audit", "").Body.Bytes(), &after)
	if got := *after.Results[0].Units[0].Value; got != *wi.Rules[0].City.After.Value {
		t.Errorf("audit after commit %.6f, scenario what-if said %.6f", got, *wi.Rules[0].City.After.Value)
	}
	if rec := do(t, h, "PATCH", path, body, "If-Match", `"v3"`); rec.Code != 409 {
		t.Errorf("PATCH after commit: %d %s", rec.Code, rec.Body)
	}
	if rec := do(t, h, "GET", "/api/scenarios", ""); rec.Code != 200 || !strings.Contains(rec.Body.String(), "committed") {
		t.Errorf("list: %d %s", rec.Code, rec.Body)
	}
	for _, bad := range []struct {
		method, path, body string
		status             int
	}{
		{"POST", "/api/scenarios", `{"edits":{}}`, 400},
		{"POST", "/api/scenarios", `{"name":"x","edits":{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"op":"paint","layer":"green"},"geometry":null}]}}`, 400},
		{"POST", "/api/scenarios", `{"name":"x","edits":{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"op":"delete","layer":"green"},"geometry":null}]}}`, 400},
		{"POST", "/api/scenarios", `{"name":"x","colour":"red"}`, 400},
		{"GET", "/api/scenarios/abc", "", 400},
		{"GET", "/api/scenarios/99999", "", 404},
		{"DELETE", "/api/scenarios/99999", "", 428},
	} {
		if rec := do(t, h, bad.method, bad.path, bad.body); rec.Code != bad.status || rec.Header().Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s %s %s: %d %s", bad.method, bad.path, bad.body, rec.Code, rec.Body)
		}
	}
}

// TestSuggestRoute: the first site's gain equals what /api/whatif says
// adding it newly covers under the rule.
func TestSuggestRoute(t *testing.T) {
	s, _, _ := demoServer(t)
	h := s.Handler()
	rec := do(t, h, "GET", "/api/suggest?rule=park-500m-walk&size_m2=6000&count=3", "")
	if rec.Code != 200 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	fc := decodeFC(t, rec.Body.Bytes())
	if len(fc.Features) == 0 {
		t.Fatal("no sites")
	}
	first := fc.Features[0]
	site := geojson.NewFeature(first.Geometry)
	site.Properties = geojson.Properties{"kind": first.Properties["kind"], "public": true}
	body, _ := site.MarshalJSON()
	var wi whatIfAnswer
	json.Unmarshal(do(t, h, "POST", "/api/whatif", string(body)).Body.Bytes(), &wi)
	if gain := int64(first.Properties.MustFloat64("gain_residents", -1)); len(wi.Rules) == 0 || wi.Rules[0].NewlyCovered != gain {
		t.Errorf("first site gains %d; the what-if of adding it: %+v", gain, wi.Rules)
	}
	for _, bad := range []string{"?rule=nope", "?rule=community-green-30", "?count=100", "?size_m2=10", "?rule=park-500m-walk&size_m2=500"} {
		if rec := do(t, h, "GET", "/api/suggest"+bad, ""); rec.Code != 400 {
			t.Errorf("%s: %d %s", bad, rec.Code, rec.Body)
		}
	}
}

// TestScenarioViews: tiles and queries asked for a scenario see its edits
// (a park added, one deleted); the baseline's do not.
func TestScenarioViews(t *testing.T) {
	s, _, ix := demoServer(t)
	h := s.Handler()
	snap := ix.Snapshot()
	var gone *geo.Feature
	snap.Layer(geo.Green).Scan(func(f *geo.Feature) bool { gone = f; return false })
	b, _ := snap.Layer(geo.Parcels).Bound()
	c := [2]float64{b.Min[0] + 0.0005, b.Min[1] + 0.0005}
	edits := fmt.Sprintf(`{"type":"FeatureCollection","features":[%s,{"type":"Feature","properties":{"op":"delete","layer":"green","fid":%d},"geometry":null}]}`, parkEdit(c, "草稿公园"), gone.ID)
	rec := do(t, h, "POST", "/api/scenarios", `{"name":"views","edits":`+edits+`}`)
	var sc ScenarioJSON
	json.Unmarshal(rec.Body.Bytes(), &sc)
	q := fmt.Sprintf("lon=%f&lat=%f&k=1", c[0], c[1])
	base := decodeFC(t, do(t, h, "GET", "/api/nearest?"+q, "").Body.Bytes())
	draft := decodeFC(t, do(t, h, "GET", fmt.Sprintf("/api/nearest?%s&scenario=%d", q, sc.ID), "").Body.Bytes())
	if len(draft.Features) != 1 || draft.Features[0].Properties["name"] != "草稿公园" || base.Features[0].Properties["name"] == "草稿公园" {
		t.Fatalf("nearest: baseline %v, scenario %v", base.Features[0].Properties["name"], draft.Features[0].Properties["name"])
	}
	gc := gone.Geom.Bound().Center()
	at := fmt.Sprintf("/api/at?lon=%f&lat=%f&layer=green", gc[0], gc[1])
	if n := len(decodeFC(t, do(t, h, "GET", at, "").Body.Bytes()).Features); n == 0 {
		t.Fatal("the baseline park is not found at its centre")
	}
	if fc := decodeFC(t, do(t, h, "GET", fmt.Sprintf("%s&scenario=%d", at, sc.ID), "").Body.Bytes()); len(fc.Features) != 0 {
		t.Errorf("the scenario's deleted park is still there: %v", fc.Features[0].Properties)
	}
	tile := maptile.At(orb.Point{c[0], c[1]}, 15)
	count := func(path string) int {
		rec := do(t, h, "GET", path, "")
		ls, err := mvt.Unmarshal(rec.Body.Bytes())
		if err != nil || rec.Code != 200 {
			t.Fatalf("%s: %d %v", path, rec.Code, err)
		}
		n := 0
		for _, l := range ls {
			for _, f := range l.Features {
				if f.Properties["name"] == "草稿公园" {
					n++
				}
			}
		}
		return n
	}
	if count(tilePath("green", tile)) != 0 || count(tilePath("green", tile)+fmt.Sprintf("?scenario=%d", sc.ID)) != 1 {
		t.Error("scenario tile: the drafted park is not (only) in the scenario's tile")
	}
	if rec := do(t, h, "GET", tilePath("coverage", tile)+fmt.Sprintf("?scenario=%d", sc.ID), ""); rec.Code != 200 {
		t.Errorf("coverage tile of a scenario: %d %s", rec.Code, rec.Body)
	}
	if rec := do(t, h, "GET", "/api/nearest?"+q+"&scenario=999", ""); rec.Code != 404 {
		t.Errorf("missing scenario: %d", rec.Code)
	}
}

// TestScenarioCommitStale: committing a scenario that deletes a feature the
// baseline has since lost is a 422 "Stale edit", and nothing of it lands;
// committing a scenario that does not exist is a 404.
func TestScenarioCommitStale(t *testing.T) {
	s, st, ix := demoServer(t)
	h := s.Handler()
	var victim, keep *geo.Feature
	ix.Snapshot().Layer(geo.Green).SearchBounds(orb.Bound{Min: orb.Point{-180, -90}, Max: orb.Point{180, 90}}, func(f *geo.Feature, _ orb.Bound) bool {
		if victim == nil {
			victim = f
		} else {
			keep = f
			return false
		}
		return true
	})
	if victim == nil || keep == nil {
		t.Fatal("the demo town has fewer than two green spaces")
	}
	edits := fmt.Sprintf(`{"name":"stale","edits":{"type":"FeatureCollection","features":[
		{"type":"Feature","properties":{"op":"delete","layer":"green","fid":%d},"geometry":null},
		{"type":"Feature","properties":{"op":"delete","layer":"green","fid":%d},"geometry":null}]}}`, keep.ID, victim.ID)
	rec := do(t, h, "POST", "/api/scenarios", edits)
	if rec.Code != 201 {
		t.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	var sc ScenarioJSON
	json.Unmarshal(rec.Body.Bytes(), &sc)
	// The baseline loses one of the two meanwhile.
	if _, err := ix.Write(context.Background(), st, func(tx store.Tx) error { return tx.Delete(context.Background(), geo.Green, victim.ID) }); err != nil {
		t.Fatal(err)
	}
	rec = do(t, h, "POST", fmt.Sprintf("/api/scenarios/%d/commit", sc.ID), "", "If-Match", `"v1"`)
	if rec.Code != 422 || !strings.Contains(rec.Body.String(), "Stale edit") || rec.Header().Get("Content-Type") != "application/problem+json" {
		t.Errorf("commit of a stale delete: %d %s", rec.Code, rec.Body)
	}
	if _, err := st.Get(context.Background(), geo.Green, keep.ID); err != nil {
		t.Errorf("the refused commit deleted feature %d: %v", keep.ID, err)
	}
	if rec := do(t, h, "POST", "/api/scenarios/999999/commit", "", "If-Match", `"v1"`); rec.Code != 404 {
		t.Errorf("commit of no scenario: %d %s", rec.Code, rec.Body)
	}
}
