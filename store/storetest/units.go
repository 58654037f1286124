package storetest

import (
	"errors"
	"reflect"
	"testing"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/store"
	"github.com/paulmach/orb"
)

// SampleZone returns a responsibility zone at (x, y) near Chengdu, every
// attribute set, its unit unitID (Sample's zone, of unit U01).
func SampleZone(source, id, unitID string, x, y float64) *geo.Feature {
	return &geo.Feature{Layer: geo.Zones, Source: source, SourceID: "z" + id, Geom: square(x, y, 0.004),
		Props: map[string]any{"code": "Z-" + id, "name": "少城责任区 " + id, "unit": unitID, "street": "少城街道", "community": "宽巷子社区"}}
}

func sampleUnits() []*store.Unit {
	return []*store.Unit{
		{ID: "U10", Name: "青羊绿化养护有限公司", Kind: store.UnitMaintenance, Phone: "028-8888 0010", Person: "王工"},
		{ID: "a-1", Name: "少城街道办事处", Kind: store.UnitStreetOffice, Phone: "028-8888 0001", Person: "李主任"},
		{ID: "U02", Name: "锦苑物业", Kind: store.UnitProperty},
	}
}

// testUnits: units round-trip in ID order (bytes, not a locale's), replace
// by ID, refuse a bad batch whole, delete, and survive a reopen; a zone
// of the zones layer round-trips like any feature.
func testUnits(t *testing.T, open Opener) {
	s := mustOpen(t, open)
	c := ctx(t)
	if us, err := s.ListUnits(c); err != nil || len(us) != 0 {
		t.Fatalf("empty store: %v %v", us, err)
	}
	in := sampleUnits()
	if err := s.PutUnits(c, in); err != nil {
		t.Fatal(err)
	}
	for _, u := range in {
		if u.Updated.IsZero() {
			t.Fatalf("put did not set Updated: %+v", u)
		}
	}
	want := []store.Unit{*in[2], *in[0], *in[1]} // U02 < U10 < a-1 in bytes
	if got, err := s.ListUnits(c); err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("list:\n got %+v %v\nwant %+v", got, err, want)
	}
	if got, err := s.GetUnit(c, "a-1"); err != nil || !reflect.DeepEqual(*got, *in[1]) {
		t.Fatalf("get: %+v %v", got, err)
	}
	if _, err := s.GetUnit(c, "U99"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing unit: %v", err)
	}

	// Replace by ID.
	re := &store.Unit{ID: "U02", Name: "锦苑物业服务有限公司", Kind: store.UnitProperty, Phone: "028-1234 5678", Person: "赵经理"}
	if err := s.PutUnits(c, []*store.Unit{re}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.GetUnit(c, "U02"); err != nil || !reflect.DeepEqual(*got, *re) {
		t.Fatalf("replaced: %+v %v, want %+v", got, err, re)
	}

	// A bad batch writes nothing, not even its good units.
	before, _ := s.ListUnits(c)
	for name, batch := range map[string][]*store.Unit{
		"bad kind":  {{ID: "U50", Name: "好的", Kind: store.UnitCommunity}, {ID: "U51", Name: "x", Kind: "company"}},
		"bad id":    {{ID: "U50", Name: "好的", Kind: store.UnitCommunity}, {ID: "U 5", Name: "x", Kind: store.UnitCommunity}},
		"no name":   {{ID: "U50", Name: "好的", Kind: store.UnitCommunity}, {ID: "U52", Kind: store.UnitCommunity}},
		"twice":     {{ID: "U50", Name: "好的", Kind: store.UnitCommunity}, {ID: "U50", Name: "又一个", Kind: store.UnitCommunity}},
		"long id":   {{ID: "U12345678901234567890123456789012", Name: "x", Kind: store.UnitCommunity}},
		"long name": {{ID: "U53", Name: string(make([]rune, store.MaxUnitText+1)), Kind: store.UnitCommunity}},
	} {
		if err := s.PutUnits(c, batch); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if after, err := s.ListUnits(c); err != nil || !reflect.DeepEqual(after, before) {
		t.Fatalf("a refused batch changed the units:\n%+v\n%+v %v", after, before, err)
	}

	if err := s.DeleteUnit(c, "U10"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteUnit(c, "U10"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("delete twice: %v", err)
	}

	// The zones layer holds features like any other.
	z := SampleZone("test", "1", "U02", 104.06, 30.66)
	put(t, s, []*geo.Feature{z})
	if got := scanAll(t, s, geo.Zones); len(got) != 1 || got[0].Props["unit"] != "U02" || got[0].Props["code"] != "Z-1" ||
		!reflect.DeepEqual(got[0].Geom, orb.MultiPolygon{square(104.06, 30.66, 0.004)}) {
		t.Fatalf("zones: %+v", got)
	}
	if l := layers(t, s)[geo.Zones]; l.Count != 1 || l.Version != 1 {
		t.Fatalf("zones layer: %+v", l)
	}
	s.Close()

	s = mustOpen(t, open)
	want = []store.Unit{*re, *in[1]}
	if got, err := s.ListUnits(c); err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("after reopen:\n got %+v %v\nwant %+v", got, err, want)
	}
	if got := scanAll(t, s, geo.Zones); len(got) != 1 {
		t.Fatalf("zones after reopen: %d", len(got))
	}
}
