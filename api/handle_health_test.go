package api

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"testing"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/live"
	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/store/memstore"
	"github.com/greenreach/greenreach/store/storetest"
)

// heldStore is a store whose Scan waits until release is closed, telling
// scanning when the first one begins.
type heldStore struct {
	store.Store
	scanning, release chan struct{}
}

func (h *heldStore) Scan(ctx context.Context, layer string, fn func(*geo.Feature) error) error {
	select {
	case h.scanning <- struct{}{}:
	default:
	}
	select {
	case <-h.release:
	case <-ctx.Done():
		return ctx.Err()
	}
	return h.Store.Scan(ctx, layer, fn)
}

// TestReadyWhileLoading: while the index loads in the background,
// /healthz answers, /readyz is a 503 problem with the load's progress and
// every data route a 503 Loading problem with Retry-After; once loaded,
// /readyz is 200 with every feature, the data routes answer, and the
// Open311 city extent is the loaded city's.
func TestReadyWhileLoading(t *testing.T) {
	ctx := t.Context()
	mem := memstore.New()
	if _, err := mem.Write(ctx, func(tx store.Tx) error {
		return tx.Put(ctx, append(storetest.Sample("test", "1", 104.06, 30.66), storetest.Sample("test", "2", 104.08, 30.68)...))
	}); err != nil {
		t.Fatal(err)
	}
	infos, err := mem.Layers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, l := range infos {
		total += l.Count
	}
	st := &heldStore{Store: mem, scanning: make(chan struct{}, 1), release: make(chan struct{})}
	ix := live.Pending()
	s := New(openConfig(), st, ix, slog.New(slog.NewTextHandler(io.Discard, nil)))
	h := s.Handler()

	check := func(phase string, wantTotal int64) {
		t.Helper()
		if rec := get(t, h, "/healthz"); rec.Code != http.StatusOK {
			t.Errorf("%s: /healthz %d", phase, rec.Code)
		}
		rec := get(t, h, "/readyz")
		var p struct {
			Title         string
			Status        int
			Instance      string
			Loaded, Total int64
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || rec.Code != http.StatusServiceUnavailable ||
			rec.Header().Get("Content-Type") != "application/problem+json" || rec.Header().Get("Retry-After") == "" ||
			p.Title != "Loading" || p.Status != 503 || p.Instance != "/readyz" || p.Loaded != 0 || p.Total != wantTotal {
			t.Fatalf("%s: /readyz %d %s Retry-After %q (%v); want total %d", phase, rec.Code, rec.Body, rec.Header().Get("Retry-After"), err, wantTotal)
		}
		for _, path := range dataPaths {
			rec := get(t, h, path)
			var p map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || rec.Code != http.StatusServiceUnavailable ||
				rec.Header().Get("Retry-After") == "" || p["title"] != "Loading" {
				t.Errorf("%s: %s %d %s (%v)", phase, path, rec.Code, rec.Body, err)
			}
		}
	}
	check("before the load", 0)
	done := make(chan error, 1)
	go func() { done <- ix.Fill(ctx, st, nil) }()
	<-st.scanning
	check("while it reads", total)
	close(st.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	rec := get(t, h, "/readyz")
	var ready struct{ Features int64 }
	if err := json.Unmarshal(rec.Body.Bytes(), &ready); err != nil || rec.Code != http.StatusOK || ready.Features != total {
		t.Fatalf("loaded: /readyz %d %s, want %d features", rec.Code, rec.Body, total)
	}
	for _, path := range dataPaths {
		if rec := get(t, h, path); rec.Code != http.StatusOK {
			t.Errorf("loaded: %s %d %s", path, rec.Code, rec.Body)
		}
	}
	want := ix.Snapshot().CityBound()
	if got := s.open311.Cases.Bound; got != want || want.IsEmpty() {
		t.Errorf("Open311 city extent %v, want the loaded %v", got, want)
	}
}

// dataPaths are routes that read the index, one of each family.
var dataPaths = []string{"/api/layers", "/api/nearest?layer=green&lon=104.06&lat=30.66", "/collections/green/items",
	"/tiles/public/14/13120/6700.mvt", "/style.json", "/api/cases/public", "/open311/v2/services.json", "/"}
