package cases

import (
	"context"
	"testing"
	"time"

	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/store/storetest/testenv"
	"github.com/paulmach/orb"
	"gopkg.in/yaml.v3"
)

// eachStore runs fn on a new empty store of every kind: in memory, a
// GeoPackage and PostGIS (testenv.EachStore).
func eachStore(t *testing.T, fn func(t *testing.T, st store.Store)) {
	testenv.EachStore(t, "cases", fn)
}

// clock is a test's time, moved by hand.
type clock = testenv.Clock

// zones is a fake Zones: each zone a box.
type zones []struct {
	b orb.Bound
	z Zone
}

func (zs zones) ZoneAt(ctx context.Context, p orb.Point) (Zone, bool, error) {
	for _, z := range zs {
		if z.b.Contains(p) {
			return z.z, true, nil
		}
	}
	return Zone{}, false, nil
}

// The fixture town: two zones side by side around 东湖 in Chengdu.
var (
	cityBound = orb.Bound{Min: orb.Point{103.9, 30.5}, Max: orb.Point{104.3, 30.8}}
	zoneWest  = Zone{ID: "DH-01", Unit: "东湖绿化养护公司"}
	zoneEast  = Zone{ID: "JJ-02", Unit: "锦江环卫所"}
	town      = zones{
		{orb.Bound{Min: orb.Point{104.0, 30.6}, Max: orb.Point{104.1, 30.7}}, zoneWest},
		{orb.Bound{Min: orb.Point{104.1, 30.6}, Max: orb.Point{104.2, 30.7}}, zoneEast},
	}
	// t0 is 08:00 Beijing time on 2 March 2026.
	t0 = time.Date(2026, 3, 2, 8, 0, 0, 0, time.FixedZone("CST", 8*3600))
)

func newService(st store.Store, clk *clock) *Service {
	return &Service{Store: st, Catalog: Default(), Zones: town, Clock: clk.Now, Bound: cityBound}
}

// yamlDeadline reads a category's deadline from the shipped YAML on its
// own, not through Catalog.
func yamlDeadline(t *testing.T, code string) time.Duration {
	t.Helper()
	var doc struct {
		Categories []map[string]any `yaml:"categories"`
	}
	if err := yaml.Unmarshal(DefaultYAML(), &doc); err != nil {
		t.Fatal(err)
	}
	for _, c := range doc.Categories {
		if c["code"] == code {
			return time.Duration(c["deadline_hours"].(int)) * time.Hour
		}
	}
	t.Fatalf("no category %s in the YAML", code)
	return 0
}

var (
	inspector  = Actor{Name: "insp-wang", Role: RoleInspector}
	dispatcher = Actor{Name: "disp-li", Role: RoleDispatcher}
	unitWest   = Actor{Name: "dh-token", Role: RoleUnit, Unit: zoneWest.Unit}
	unitEast   = Actor{Name: "jj-token", Role: RoleUnit, Unit: zoneEast.Unit}
)

// photo is a small JPEG-typed blob, distinct per n.
func photo(n byte) store.Photo {
	return store.Photo{Type: "image/jpeg", Data: []byte{0xff, 0xd8, 0xff, 0xe0, n, n, n, 0xff, 0xd9}}
}
