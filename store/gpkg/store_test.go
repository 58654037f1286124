package gpkg

import (
	"context"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/store/storetest"
	"github.com/paulmach/orb"
)

func openTemp(t *testing.T) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "s.gpkg"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func write(t *testing.T, s *Store, fn func(ctx context.Context, tx store.Tx) error) *store.Changes {
	t.Helper()
	ctx := context.Background()
	ch, err := s.Write(ctx, func(tx store.Tx) error { return fn(ctx, tx) })
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

// checkIndex verifies a layer's RTree: SQLite's rtreecheck, the six
// triggers exactly as created, and one cell per feature holding its bounds
// rounded as SQLite rounds them; and that Layers reports the exact extent.
func checkIndex(t *testing.T, s *Store, layer string) {
	t.Helper()
	ctx := context.Background()
	var res string
	if err := s.r.QueryRow(`SELECT rtreecheck(?)`, rtreeName(layer)).Scan(&res); err != nil || res != "ok" {
		t.Fatalf("%s rtreecheck: %q %v", layer, res, err)
	}
	var trig []string
	rows, err := s.r.Query(`SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ? ORDER BY name`, layer)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var q string
		rows.Scan(&q)
		trig = append(trig, q)
	}
	rows.Close()
	want := rtreeTriggers(layer)
	slices.Sort(want)
	if !reflect.DeepEqual(trig, want) {
		t.Errorf("%s triggers:\n%q\nwant\n%q", layer, trig, want)
	}
	var wantCells []rentry
	var extent *orb.Bound
	if err := s.Scan(ctx, layer, func(f *geo.Feature) error {
		b := f.Bound()
		wantCells = append(wantCells, toEntry(f.ID, b))
		if extent == nil {
			extent = &b
		} else {
			*extent = extent.Union(b)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var got []rentry
	rows, err = s.r.Query(`SELECT id, minx, maxx, miny, maxy FROM ` + q(rtreeName(layer)) + ` ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var e rentry
		var b [4]float64
		rows.Scan(&e.id, &b[0], &b[1], &b[2], &b[3])
		for i, v := range b {
			e.b[i] = float32(v)
		}
		got = append(got, e)
	}
	rows.Close()
	if !reflect.DeepEqual(got, wantCells) {
		t.Errorf("%s: RTree has %d cells, %d features; first differences: %v", layer, len(got), len(wantCells), firstDiff(got, wantCells))
	}
	ls, err := s.Layers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range ls {
		if l.ID == layer && !reflect.DeepEqual(l.BBox, extent) {
			t.Errorf("%s extent %v, want exactly %v", layer, l.BBox, extent)
		}
	}
}

func firstDiff(a, b []rentry) string {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return fmt.Sprintf("at %d: %v vs %v", i, a[i], b[i])
		}
	}
	return "length"
}

// TestRoundingMatchesSQLite: bulk-built cells hold what the triggers store.
func TestRoundingMatchesSQLite(t *testing.T) {
	s := openTemp(t)
	vals := []float64{0, 1, -1, 0.1, -0.1, 104.06, -104.06, 30.66000000000001, 1e-50, -1e-50, 179.99999999, -89.123456789, math.MaxFloat32, 1.0000001, 16777217}
	tx, err := s.w.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.Exec(`CREATE VIRTUAL TABLE temp.r USING rtree(id, minx, maxx, miny, maxy)`); err != nil {
		t.Fatal(err)
	}
	for i, v := range vals {
		if _, err := tx.Exec(`INSERT INTO temp.r VALUES (?, ?, ?, ?, ?)`, i, v, v, v, v); err != nil {
			t.Fatal(err)
		}
		var lo, hi float64
		if err := tx.QueryRow(`SELECT minx, maxx FROM temp.r WHERE id = ?`, i).Scan(&lo, &hi); err != nil {
			t.Fatal(err)
		}
		if lo != float64(f32Down(v)) || hi != float64(f32Up(v)) {
			t.Errorf("%v: SQLite %v %v, ours %v %v", v, lo, hi, f32Down(v), f32Up(v))
		}
	}
}

func TestBulkIndex(t *testing.T) {
	moved := func(f *geo.Feature, dx float64) *geo.Feature {
		c := *f
		c.Geom = orb.Polygon{sq(f.Bound().Min[0]+dx, f.Bound().Min[1], 0.0001)}
		c.Props = nil
		c.Version = 0
		return &c
	}
	tests := []struct {
		name     string
		before   int // parcels stored first, row by row
		fn       func(ctx context.Context, tx store.Tx) error
		wantErr  bool
		rebuilds int64 // bulk index rebuilds expected
	}{
		{"import", 0, func(ctx context.Context, tx store.Tx) error { return tx.Put(ctx, parcels(0, 5000)) }, false, 1},
		{"small write", 0, func(ctx context.Context, tx store.Tx) error { return tx.Put(ctx, parcels(0, 900)) }, false, 0},
		{"write to a layer over 4 times its size", 4100, func(ctx context.Context, tx store.Tx) error { return tx.Put(ctx, parcels(4100, 1000)) }, false, 0},
		{"import in small puts", 0, func(ctx context.Context, tx store.Tx) error {
			fs := parcels(0, 3000)
			for i := 0; i < len(fs); i += 300 {
				if err := tx.Put(ctx, fs[i:i+300]); err != nil {
					return err
				}
			}
			return nil
		}, false, 1},
		{"import, delete, move", 0, func(ctx context.Context, tx store.Tx) error {
			fs := parcels(0, 4000)
			if err := tx.Put(ctx, fs); err != nil {
				return err
			}
			var mv []*geo.Feature
			for i, f := range fs {
				switch {
				case i%7 == 0:
					if err := tx.Delete(ctx, geo.Parcels, f.ID); err != nil {
						return err
					}
				case i%5 == 1:
					mv = append(mv, moved(f, 0.01))
				}
			}
			if err := tx.Put(ctx, mv); err != nil { // by id
				return err
			}
			_, err := tx.DeleteSource(ctx, geo.Parcels, "bench", map[string]bool{"3": true, "100": true, "2001": true})
			if err != nil {
				return err
			}
			return tx.Put(ctx, parcels(5000, 10))
		}, false, 1},
		{"grow a stored layer", 1500, func(ctx context.Context, tx store.Tx) error {
			for id := int64(1); id <= 1500; id += 4 {
				if err := tx.Delete(ctx, geo.Parcels, id); err != nil {
					return err
				}
			}
			return tx.Put(ctx, parcels(1500, 3000))
		}, false, 1},
		{"replace everything moved", 1200, func(ctx context.Context, tx store.Tx) error {
			fs := parcels(0, 1200)
			for _, f := range fs {
				f.Geom = orb.Polygon{sq(f.Bound().Min[0], f.Bound().Min[1]-1, 0.0003)}
			}
			return tx.Put(ctx, fs)
		}, false, 1},
		{"error swallowed", 0, func(ctx context.Context, tx store.Tx) error {
			fs := append(parcels(0, 2000), &geo.Feature{Layer: geo.Parcels, Source: "x", SourceID: "1", Geom: orb.Point{1, 2}})
			if err := tx.Put(ctx, fs); !errors.Is(err, geo.ErrInvalid) {
				return fmt.Errorf("put: %v", err)
			}
			fs = parcels(0, 2000)
			fs[1500].Version = 7 // conflict after 1500 writes
			if err := tx.Put(ctx, fs); !errors.Is(err, store.ErrConflict) {
				return fmt.Errorf("put: %v", err)
			}
			return nil // commit the part written
		}, false, 1},
		{"rolled back", 500, func(ctx context.Context, tx store.Tx) error {
			if err := tx.Put(ctx, parcels(500, 5000)); err != nil {
				return err
			}
			return errors.New("changed my mind")
		}, true, 1},
		{"points", 0, func(ctx context.Context, tx store.Tx) error {
			var fs []*geo.Feature
			for i := 0; i < 3000; i++ {
				fs = append(fs, &geo.Feature{Layer: geo.Waste, Source: "b", SourceID: fmt.Sprint(i), Geom: orb.Point{-70 + float64(i)*1e-4, -30.5}})
			}
			return tx.Put(ctx, fs)
		}, false, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := openTemp(t)
			ctx := context.Background()
			for i := 0; i < tc.before; i += 100 { // below bulkMin: row by row
				write(t, s, func(ctx context.Context, tx store.Tx) error { return tx.Put(ctx, parcels(i, 100)) })
			}
			before := storetest.Snapshot(t, s)
			n := s.rebuilds.Load()
			_, err := s.Write(ctx, func(tx store.Tx) error { return tc.fn(ctx, tx) })
			if (err != nil) != tc.wantErr {
				t.Fatalf("write: %v", err)
			}
			if got := s.rebuilds.Load() - n; got != tc.rebuilds && !tc.wantErr {
				t.Errorf("%d index rebuilds, want %d", got, tc.rebuilds)
			}
			if tc.wantErr && storetest.Snapshot(t, s) != before {
				t.Error("rolled back write changed the store")
			}
			for _, sc := range geo.Schemas {
				checkIndex(t, s, sc.ID)
			}
			// And the index keeps working row by row afterwards.
			write(t, s, func(ctx context.Context, tx store.Tx) error {
				fs := parcels(90000, 50)
				if err := tx.Put(ctx, fs); err != nil {
					return err
				}
				return tx.Delete(ctx, geo.Parcels, fs[0].ID)
			})
			checkIndex(t, s, geo.Parcels)
		})
	}
}

func TestReplace(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	fs := storetest.Sample("osm", "1", 104.06, 30.66)
	write(t, s, func(ctx context.Context, tx store.Tx) error { return tx.Put(ctx, fs) })
	var rtreeBefore string
	s.r.QueryRow(`SELECT group_concat(id || ' ' || minx, ',') FROM rtree_green_geom`).Scan(&rtreeBefore)

	// The same features again: new versions, same geometry, same index.
	again := storetest.Sample("osm", "1", 104.06, 30.66)
	again[0].Props["name"] = "renamed"
	ch := write(t, s, func(ctx context.Context, tx store.Tx) error { return tx.Put(ctx, again) })
	for i, f := range again {
		if f.ID != fs[i].ID || f.Version != 2 || ch.Versions[f.Layer] != 2 {
			t.Errorf("%s: id %d v%d, want %d v2", f.Layer, f.ID, f.Version, fs[i].ID)
		}
	}
	got, err := s.Get(ctx, geo.Green, fs[0].ID)
	if err != nil || got.Text("name") != "renamed" || !reflect.DeepEqual(got.Geom, fs[0].Geom) {
		t.Errorf("after replace: %v %v", got, err)
	}
	var rtreeAfter string
	s.r.QueryRow(`SELECT group_concat(id || ' ' || minx, ',') FROM rtree_green_geom`).Scan(&rtreeAfter)
	if rtreeAfter != rtreeBefore {
		t.Errorf("index changed: %s → %s", rtreeBefore, rtreeAfter)
	}

	// Moved, by id, with a new source id.
	edit := &geo.Feature{ID: fs[0].ID, Layer: geo.Green, Source: "manual", SourceID: "m1", Version: 2, Geom: orb.Polygon{sq(100, 20, 0.5)}}
	write(t, s, func(ctx context.Context, tx store.Tx) error { return tx.Put(ctx, []*geo.Feature{edit}) })
	got, err = s.Get(ctx, geo.Green, fs[0].ID)
	if err != nil || got.Source != "manual" || got.SourceID != "m1" || got.Version != 3 || len(got.Props) != 1 {
		t.Errorf("after edit: %+v %v", got, err)
	}
	checkIndex(t, s, geo.Green)

	// Taking another feature's source id is refused.
	clash := &geo.Feature{ID: fs[0].ID, Layer: geo.Green, Source: "osm", SourceID: "g1", Geom: orb.Polygon{sq(100, 20, 0.5)}}
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return tx.Put(ctx, storetest.Sample("osm", "1", 104.06, 30.66)[:1]) // recreates osm/g1
	})
	if _, err := s.Write(ctx, func(tx store.Tx) error { return tx.Put(ctx, []*geo.Feature{clash}) }); err == nil {
		t.Error("duplicate source id accepted")
	}
}

func TestValues(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	fs := []*geo.Feature{
		{Layer: geo.Waste, Source: "t", SourceID: "integral", Geom: orb.Point{104, 30}, Props: map[string]any{"capacity": 3.0, "name": ""}},
		{Layer: geo.Waste, Source: "t", SourceID: "null", Geom: orb.Point{104, 30}, Props: map[string]any{}},
		{Layer: geo.Roads, Source: "t", SourceID: "false", Geom: orb.LineString{{104, 30}, {104.1, 30}}, Props: map[string]any{"walkable": false, "ring": true}},
		{Layer: geo.Green, Source: "t", SourceID: "big", Geom: orb.Polygon{sq(104, 30, 0.01)}, Props: map[string]any{"trees": int64(math.MaxInt64), "grade": int64(-3)}},
	}
	write(t, s, func(ctx context.Context, tx store.Tx) error { return tx.Put(ctx, fs) })
	for _, f := range fs {
		got, err := s.Get(ctx, f.Layer, f.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got.Props, f.Props) {
			t.Errorf("%s: props %#v, want %#v", f.SourceID, got.Props, f.Props)
		}
		if got.Updated.Location() != time.UTC || !got.Updated.Equal(f.Updated) {
			t.Errorf("%s: updated %v, want %v UTC", f.SourceID, got.Updated, f.Updated)
		}
	}
	var typ, upd string
	s.r.QueryRow(`SELECT typeof(capacity), updated || '' FROM waste WHERE source_id = 'integral'`).Scan(&typ, &upd)
	if typ != "real" || upd != fs[0].Updated.Format("2006-01-02T15:04:05.000Z") {
		t.Errorf("stored capacity as %s, updated as %q", typ, upd)
	}
	var walkable any
	s.r.QueryRow(`SELECT walkable FROM roads`).Scan(&walkable)
	if walkable != int64(0) {
		t.Errorf("bool stored as %#v", walkable)
	}
	// Other programs may store integral values in REAL columns as integers.
	if _, err := s.w.Exec(`UPDATE waste SET capacity = CAST(7 AS INTEGER) WHERE source_id = 'integral'`); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Get(ctx, geo.Waste, fs[0].ID); got.Props["capacity"] != 7.0 {
		t.Errorf("capacity %#v", got.Props["capacity"])
	}
}

func TestReadErrors(t *testing.T) {
	s := openTemp(t)
	ctx := context.Background()
	write(t, s, func(ctx context.Context, tx store.Tx) error { return tx.Put(ctx, parcels(0, 10)) })
	stop := errors.New("stop")
	n := 0
	if err := s.Scan(ctx, geo.Parcels, func(*geo.Feature) error { n++; return stop }); err != stop || n != 1 {
		t.Errorf("scan stopped by fn: %v after %d", err, n)
	}
	if err := s.Scan(ctx, "lakes", func(*geo.Feature) error { return nil }); err == nil {
		t.Error("scan of unknown layer")
	}
	if _, err := s.Get(ctx, "lakes", 1); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("get of unknown layer: %v", err)
	}
	c, cancel := context.WithCancel(ctx)
	cancel()
	if err := s.Scan(c, geo.Parcels, func(*geo.Feature) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("scan with cancelled context: %v", err)
	}
	if _, err := s.Write(c, func(store.Tx) error { t.Error("fn ran"); return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("write with cancelled context: %v", err)
	}
	wrapped := fmt.Errorf("import: %w", store.ErrConflict)
	if _, err := s.Write(ctx, func(store.Tx) error { return wrapped }); err != wrapped {
		t.Errorf("write returned %v, want fn's error", err)
	}
	if err := checkClosed(s); err != nil {
		t.Error(err)
	}
}

// checkClosed closes s and checks that every method then fails with
// store.ErrUnavailable.
func checkClosed(s *Store) error {
	ctx := context.Background()
	if err := s.Close(); err != nil {
		return err
	}
	if err := s.Close(); err != nil {
		return fmt.Errorf("second close: %v", err)
	}
	errs := []error{s.Ping(ctx)}
	_, err := s.Write(ctx, func(store.Tx) error { return nil })
	errs = append(errs, err)
	_, err = s.Layers(ctx)
	errs = append(errs, err)
	_, err = s.Get(ctx, geo.Parcels, 1)
	errs = append(errs, err, s.Scan(ctx, geo.Parcels, func(*geo.Feature) error { return nil }))
	for i, err := range errs {
		if !errors.Is(err, store.ErrUnavailable) {
			return fmt.Errorf("call %d on closed store: %v", i, err)
		}
	}
	return nil
}

// TestTwoHandles: two Stores on one file, as two processes would have.
func TestTwoHandles(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.gpkg")
	a, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	write(t, a, func(ctx context.Context, tx store.Tx) error { return tx.Put(ctx, parcels(0, 10)) })
	b, err := Open(ctx, path) // validated while a holds the WAL
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	write(t, b, func(ctx context.Context, tx store.Tx) error { return tx.Put(ctx, parcels(10, 10)) })
	ls, err := a.Layers(ctx)
	if err != nil || ls[1].Count != 20 || ls[1].Version != 2 {
		t.Errorf("a sees %+v %v", ls[1], err)
	}
}
