package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/live"
	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/store/memstore"
)

// afterWrite is a store that runs a function once, right after its next
// write has committed and before that write returns.
type afterWrite struct {
	store.Store
	mu   sync.Mutex
	next func()
}

func (a *afterWrite) Write(ctx context.Context, fn func(store.Tx) error) (*store.Changes, error) {
	ch, err := a.Store.Write(ctx, fn)
	a.mu.Lock()
	next := a.next
	a.next = nil
	a.mu.Unlock()
	if next != nil {
		next()
	}
	return ch, err
}

// TestUploadOrderedWithCommit: an upload and a scenario commit that race
// leave the index equal to the store. The upload renames a park; the
// commit, sent as soon as the upload's transaction has committed (while
// the upload is still in flight), deletes it. Writes go through the live
// index in the store's commit order, so the commit waits for the upload
// to reach the index and the park is gone from both. (Before, the upload
// wrote to the store and applied its changes to the index outside the
// index's lock: the commit's delete reached the index first, the upload's
// late apply put the park back, and the index showed a park the store had
// deleted, its layer's version marked stale.)
func TestUploadOrderedWithCommit(t *testing.T) {
	ctx := context.Background()
	mem := memstore.New()
	st := &afterWrite{Store: mem}
	ix, err := live.Load(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	h := New(openConfig(), st, ix, slog.New(slog.NewTextHandler(io.Discard, nil))).Handler()
	upload := func(name string) *httptest.ResponseRecorder {
		body := strings.Replace(parksFC(1, 103.60), "公园1", name, 1)
		return do(t, h, "POST", "/api/import?format=geojson&layer=green&source=parks", body)
	}
	if rec := upload("公园"); rec.Code != 200 {
		t.Fatalf("first upload: %d %s", rec.Code, rec.Body)
	}
	var park *geo.Feature
	ix.Snapshot().Layer(geo.Green).Scan(func(f *geo.Feature) bool { park = f; return false })
	if park == nil || park.SourceID != "p1" {
		t.Fatalf("the uploaded park is not in the index: %v", park)
	}
	rec := do(t, h, "POST", "/api/scenarios", fmt.Sprintf(`{"name":"gone","edits":{"type":"FeatureCollection","features":[
		{"type":"Feature","properties":{"op":"delete","layer":"green","fid":%d},"geometry":null}]}}`, park.ID))
	if rec.Code != 201 {
		t.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	var sc ScenarioJSON
	if err := json.Unmarshal(rec.Body.Bytes(), &sc); err != nil {
		t.Fatal(err)
	}
	committed := make(chan *httptest.ResponseRecorder, 1)
	st.mu.Lock()
	st.next = func() {
		go func() {
			committed <- do(t, h, "POST", fmt.Sprintf("/api/scenarios/%d/commit", sc.ID), "", "If-Match", `"v1"`)
		}()
		// Give the commit time to finish before the upload does, if it
		// can: it must not (it waits for the index's lock).
		select {
		case rec := <-committed:
			committed <- rec
		case <-time.After(300 * time.Millisecond):
		}
	}
	st.mu.Unlock()
	if rec := upload("改名公园"); rec.Code != 200 {
		t.Fatalf("second upload: %d %s", rec.Code, rec.Body)
	}
	if rec := <-committed; rec.Code != 200 {
		t.Fatalf("commit: %d %s", rec.Code, rec.Body)
	}
	if _, err := mem.Get(ctx, geo.Green, park.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the store still has the park the commit deleted: %v", err)
	}
	if f, ok := ix.Snapshot().Layer(geo.Green).Get(park.ID); ok {
		t.Errorf("the index has park %d (%s), which the store deleted", f.ID, f.Text("name"))
	}
	fresh, err := live.Load(ctx, mem, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := fresh.Snapshot().Infos()
	for i, got := range ix.Snapshot().Infos() {
		if got.Count != want[i].Count || got.Version != want[i].Version {
			t.Errorf("%s: the index has %d features at version %d, the store %d at version %d", got.ID, got.Count, got.Version, want[i].Count, want[i].Version)
		}
	}
}
