package live

import (
	"context"
	"reflect"
	"testing"
	"unsafe"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/tiles/tilestest"
)

// TestLoadPacks: the loaded index holds every feature of the city town
// with its attributes packed (Props nil), and each answers every field as
// the store's own copy does; features of one source share its name.
func TestLoadPacks(t *testing.T) {
	ctx := context.Background()
	st := tilestest.Town(t, "city")
	ix, err := Load(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	snap := ix.Snapshot()
	n := 0
	for _, sc := range geo.Schemas {
		l := snap.Layer(sc.ID)
		var first *geo.Feature
		if err := st.Scan(ctx, sc.ID, func(want *geo.Feature) error {
			got, ok := l.Get(want.ID)
			if !ok {
				t.Fatalf("%s %d not in the index", sc.ID, want.ID)
			}
			n++
			if got.Props != nil {
				t.Fatalf("%s %d: attributes not packed", sc.ID, want.ID)
			}
			if a := got.AttrMap(); !reflect.DeepEqual(a, want.Props) {
				t.Fatalf("%s %d:\n got %#v\nwant %#v", sc.ID, want.ID, a, want.Props)
			}
			for _, fd := range sc.Fields {
				if got.Text(fd.Name) != want.Text(fd.Name) || got.Int(fd.Name) != want.Int(fd.Name) ||
					got.Float(fd.Name) != want.Float(fd.Name) || got.Bool(fd.Name) != want.Bool(fd.Name) {
					t.Fatalf("%s %d: field %s differs", sc.ID, want.ID, fd.Name)
				}
			}
			if first == nil {
				first = got
			} else if got.Source == first.Source && unsafeData(got.Source) != unsafeData(first.Source) {
				t.Fatalf("%s %d: source %q not shared", sc.ID, want.ID, got.Source)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	if n < 1000 {
		t.Fatalf("only %d features compared", n)
	}
}

func unsafeData(s string) *byte { return unsafe.StringData(s) }
