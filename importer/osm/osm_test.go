package osm_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/importer"
	"github.com/greenreach/greenreach/importer/osm"
	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/store/gpkg"
	"github.com/greenreach/greenreach/store/memstore"
	"github.com/greenreach/greenreach/store/storetest"
	"github.com/paulmach/orb"
)

func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	return c
}

func importFile(t testing.TB, st store.Store, path string, opt osm.Options) *importer.Summary {
	t.Helper()
	sum, _, err := osm.ImportFile(ctx(t), st, path, opt)
	if err != nil {
		t.Fatalf("import %s: %v", path, err)
	}
	return sum
}

func scan(t testing.TB, st store.Store, layer string) []*geo.Feature {
	t.Helper()
	var out []*geo.Feature
	if err := st.Scan(ctx(t), layer, func(f *geo.Feature) error { out = append(out, f); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestChengduXMLAndPBFIdentical(t *testing.T) {
	xml, pbf := storetest.SharedData(t, "chengdu.osm"), storetest.SharedData(t, "chengdu.osm.pbf")
	a, b := memstore.New(), memstore.New()
	sa := importFile(t, a, xml, osm.Options{})
	sb := importFile(t, b, pbf, osm.Options{})
	if sa.Format != osm.FormatXML || sb.Format != osm.FormatPBF {
		t.Fatalf("formats %s, %s", sa.Format, sb.Format)
	}
	total := 0
	for _, sc := range geo.Schemas {
		fa, fb := scan(t, a, sc.ID), scan(t, b, sc.ID)
		if len(fa) != len(fb) {
			t.Fatalf("%s: %d features from XML, %d from PBF", sc.ID, len(fa), len(fb))
		}
		byID := map[string]*geo.Feature{}
		for _, f := range fb {
			byID[f.SourceID] = f
		}
		for _, f := range fa {
			g := byID[f.SourceID]
			if g == nil {
				t.Fatalf("%s %s from XML missing from PBF", sc.ID, f.SourceID)
			}
			if f.Source != osm.Source || g.Source != osm.Source {
				t.Fatalf("sources %q %q", f.Source, g.Source)
			}
			if !reflect.DeepEqual(f.Geom, g.Geom) {
				t.Fatalf("%s %s geometry differs:\n%v\n%v", sc.ID, f.SourceID, f.Geom, g.Geom)
			}
			if !reflect.DeepEqual(f.Props, g.Props) {
				t.Fatalf("%s %s attributes differ:\n%v\n%v", sc.ID, f.SourceID, f.Props, g.Props)
			}
		}
		if !reflect.DeepEqual(sa.Layers[sc.ID], sb.Layers[sc.ID]) {
			t.Errorf("%s summaries differ: %+v vs %+v", sc.ID, sa.Layers[sc.ID], sb.Layers[sc.ID])
		}
		total += len(fa)
	}
	if total < 3000 {
		t.Fatalf("only %d features imported from Chengdu", total)
	}
	// the PBF after the XML replaces: same features, nothing new, nothing deleted
	sc := importFile(t, a, pbf, osm.Options{})
	for _, l := range geo.Schemas {
		s := sc.Layers[l.ID]
		if s.Replaced != s.Imported || s.Deleted != 0 || len(scan(t, a, l.ID)) != s.Imported {
			t.Errorf("%s: PBF over XML: %+v", l.ID, s)
		}
	}
}

// osmiumCount counts the nodes, ways and relations carrying a tag
// ("key=value" or "key") with osmium tags-count.
func osmiumCount(t *testing.T, file, expr string) int {
	t.Helper()
	out, err := exec.Command("osmium", "tags-count", file, expr).Output()
	if err != nil {
		t.Fatalf("osmium tags-count %s %s: %v", file, expr, err)
	}
	n := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if line == "" {
			continue
		}
		f := strings.Fields(line)
		c, err := strconv.Atoi(f[0])
		if err != nil {
			t.Fatalf("osmium output %q", line)
		}
		n += c
	}
	return n
}

func TestClassCountsMatchOsmium(t *testing.T) {
	if _, err := exec.LookPath("osmium"); err != nil {
		if os.Getenv("CI") != "" || os.Getenv("GREENREACH_REQUIRE_TOOLS") != "" {
			t.Fatal("osmium-tool not installed")
		}
		t.Skip("osmium-tool not installed")
	}
	classes := []struct{ osmium, class string }{
		{"leisure=park", "leisure=park"},
		{"leisure=garden", "leisure=garden"},
		{"landuse=grass", "landuse=grass"},
		{"natural=wood", "natural=wood"},
		{"landuse=residential", "landuse=residential"},
		{"building", "building=*"},
		{"highway", "highway=*"},
		{"amenity=toilets", "amenity=toilets"},
	}
	for _, name := range []string{"chengdu.osm", "chengdu.osm.pbf", "monaco.osm.pbf"} {
		t.Run(name, func(t *testing.T) {
			path := storetest.SharedData(t, name)
			st := memstore.New()
			sum := importFile(t, st, path, osm.Options{})
			kinds := map[string]map[string]int{} // layer → kind/class → stored count
			for _, sc := range geo.Schemas {
				kinds[sc.ID] = map[string]int{}
				for _, f := range scan(t, st, sc.ID) {
					k := f.Text("kind")
					if sc.ID == geo.Roads {
						k = "road"
					}
					kinds[sc.ID][k]++
				}
			}
			for _, c := range classes {
				t.Run(c.class, func(t *testing.T) {
					want := osmiumCount(t, path, c.osmium)
					cs := sum.Classes[c.class]
					if cs == nil {
						t.Fatalf("no class %s in the summary", c.class)
					}
					if got := cs.Imported + cs.SkippedTotal(); got != want {
						t.Errorf("%s: imported %d + skipped %d = %d, osmium counts %d (skipped: %v)", c.class, cs.Imported, cs.SkippedTotal(), got, want, cs.Skipped)
					}
				})
			}
			// the class counts agree with what the store holds where one
			// class is one kind
			for _, c := range []struct{ layer, kind, class string }{
				{geo.Parcels, "block", "landuse=residential"},
				{geo.Waste, "toilet", "amenity=toilets"},
				{geo.Green, "garden", "leisure=garden"},
				{geo.Roads, "road", "highway=*"},
			} {
				if got, want := kinds[c.layer][c.kind], sum.Classes[c.class].Imported; got != want {
					t.Errorf("%s %s: store holds %d, summary says %d imported", c.layer, c.kind, got, want)
				}
			}
			// every layer: read = imported + skipped; store count = imported
			for _, sc := range geo.Schemas {
				l := sum.Layers[sc.ID]
				n := len(scan(t, st, sc.ID))
				if l.Read != l.Imported+l.SkippedTotal() || n != l.Imported {
					t.Errorf("%s: %+v, store holds %d", sc.ID, l, n)
				}
			}
		})
	}
}

func TestMonacoIncompleteRelations(t *testing.T) {
	path := storetest.SharedData(t, "monaco.osm.pbf")
	st := memstore.New()
	sum := importFile(t, st, path, osm.Options{})
	incomplete := 0
	for _, l := range sum.Layers {
		incomplete += l.Skipped[osm.ReasonIncompleteRelation]
	}
	if incomplete == 0 {
		t.Fatalf("no incomplete relation counted: %+v", sum.Layers)
	}
	if n := sum.Layers[geo.Areas].Imported; n == 0 {
		t.Errorf("no administrative areas imported")
	}
	if n := sum.Layers[geo.Parcels].Imported; n < 20000 {
		t.Errorf("only %d parcels imported", n)
	}
	for _, f := range scan(t, st, geo.Parcels) {
		if f.Text("pop_source") != "estimated" || f.Int("population") < 0 {
			t.Fatalf("parcel %s: %v", f.SourceID, f.Props)
		}
	}
	var b bytes.Buffer
	if err := sum.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", b.String())
}

// osmXML builds a small OSM XML file.
type osmXML struct{ b strings.Builder }

func newXML() *osmXML {
	x := &osmXML{}
	x.b.WriteString("<?xml version='1.0' encoding='UTF-8'?>\n<osm version=\"0.6\" generator=\"test\">\n")
	return x
}

func (x *osmXML) node(id int, lon, lat float64, tags ...string) {
	fmt.Fprintf(&x.b, " <node id=\"%d\" lat=\"%.7f\" lon=\"%.7f\">", id, lat, lon)
	x.tags(tags)
	x.b.WriteString("</node>\n")
}

func (x *osmXML) way(id int, nodes []int, tags ...string) {
	fmt.Fprintf(&x.b, " <way id=\"%d\">", id)
	for _, n := range nodes {
		fmt.Fprintf(&x.b, "<nd ref=\"%d\"/>", n)
	}
	x.tags(tags)
	x.b.WriteString("</way>\n")
}

// relation members are "w12:outer".
func (x *osmXML) relation(id int, members []string, tags ...string) {
	fmt.Fprintf(&x.b, " <relation id=\"%d\">", id)
	for _, m := range members {
		ref, role, _ := strings.Cut(m[1:], ":")
		typ := map[byte]string{'n': "node", 'w': "way", 'r': "relation"}[m[0]]
		fmt.Fprintf(&x.b, "<member type=\"%s\" ref=\"%s\" role=\"%s\"/>", typ, ref, role)
	}
	x.tags(tags)
	x.b.WriteString("</relation>\n")
}

func (x *osmXML) tags(kv []string) {
	for i := 0; i+1 < len(kv); i += 2 {
		fmt.Fprintf(&x.b, "<tag k=\"%s\" v=\"%s\"/>", kv[i], kv[i+1])
	}
}

// square adds four nodes (ids id..id+3) and a closed way id of side d
// degrees at lon, lat.
func (x *osmXML) square(id int, lon, lat, d float64, tags ...string) {
	x.node(id, lon, lat)
	x.node(id+1, lon+d, lat)
	x.node(id+2, lon+d, lat+d)
	x.node(id+3, lon, lat+d)
	x.way(id, []int{id, id + 1, id + 2, id + 3, id}, tags...)
}

func (x *osmXML) write(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(x.b.String()+"</osm>\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestBowtieRepaired(t *testing.T) {
	x := newXML()
	lon, lat := 104.06, 30.66
	x.node(1, lon, lat)
	x.node(2, lon+0.001, lat+0.001)
	x.node(3, lon+0.001, lat)
	x.node(4, lon, lat+0.001)
	x.way(10, []int{1, 2, 3, 4, 1}, "leisure", "park", "name", "蝴蝶公园")
	x.square(20, lon+0.01, lat, 0.001, "leisure", "park")
	path := x.write(t, "bowtie.osm")
	st := memstore.New()
	sum := importFile(t, st, path, osm.Options{})
	g := sum.Layers[geo.Green]
	if g.Imported != 2 || g.Repaired != 1 || g.SkippedTotal() != 0 {
		t.Fatalf("green: %+v", g)
	}
	fs := scan(t, st, geo.Green)
	var bow *geo.Feature
	for _, f := range fs {
		if f.SourceID == "w10" {
			bow = f
		}
	}
	if bow == nil || bow.Text("name") != "蝴蝶公园" {
		t.Fatalf("bowtie park not stored: %v", fs)
	}
	// two triangles of a quarter of the square each
	want := geo.Area(orb.Polygon{{{lon, lat}, {lon + 0.001, lat}, {lon + 0.001, lat + 0.001}, {lon, lat + 0.001}, {lon, lat}}}) / 2
	if got := bow.Float("area_m2"); math.Abs(got-want)/want > 0.01 {
		t.Errorf("repaired area %.1f m², want about %.1f", got, want)
	}
}

func TestTruncatedFileWritesNothing(t *testing.T) {
	monaco := storetest.SharedData(t, "monaco.osm.pbf")
	chengdu := storetest.SharedData(t, "chengdu.osm")
	full, err := os.ReadFile(monaco)
	if err != nil {
		t.Fatal(err)
	}
	xml, err := os.ReadFile(chengdu)
	if err != nil {
		t.Fatal(err)
	}
	st := memstore.New()
	x := newXML()
	x.square(1, 7.42, 43.73, 0.001, "leisure", "park")
	importFile(t, st, x.write(t, "before.osm"), osm.Options{})
	before := storetest.Snapshot(t, st)
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"pbf-half.osm.pbf", full[:len(full)/2], "truncated"},
		{"pbf-90.osm.pbf", full[:len(full)*9/10], "truncated"},
		{"pbf-header.osm.pbf", full[:20], "truncated"},
		{"xml-half.osm", xml[:len(xml)/2], "truncated"},
		{"xml-broken.osm", []byte("<osm><node id='1' lat='x' lon='2'/></osm>"), "corrupt osm-xml data"},
		{"garbage.osm", []byte("PK\x03\x04 this is a zip file"), "not an OSM XML or PBF file"},
		{"empty.osm.pbf", nil, "empty file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), tc.name)
			if err := os.WriteFile(p, tc.data, 0o644); err != nil {
				t.Fatal(err)
			}
			_, _, err := osm.ImportFile(ctx(t), st, p, osm.Options{})
			if err == nil {
				t.Fatal("import of a truncated file succeeded")
			}
			t.Log(err)
			if !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not name the file and %q", err, tc.want)
			}
			if after := storetest.Snapshot(t, st); after != before {
				t.Fatalf("store changed:\n%s\nwant\n%s", after, before)
			}
		})
	}
}

// smallCity is a small extract exercising every layer.
func smallCity(skip map[string]bool) *osmXML {
	x := newXML()
	lon, lat := 104.06, 30.66
	if !skip["park"] {
		x.square(100, lon, lat, 0.002, "leisure", "park", "name", "人民公园")
	}
	if !skip["garden"] {
		x.square(110, lon+0.003, lat, 0.001, "leisure", "garden")
	}
	if !skip["building"] {
		x.square(120, lon+0.005, lat, 0.0005, "building", "apartments", "building:levels", "12")
	}
	x.node(130, lon+0.0001, lat+0.0001, "amenity", "toilets")
	x.node(131, lon+0.0002, lat+0.0001, "leisure", "park") // park as point
	x.node(140, lon, lat-0.001)
	x.node(141, lon+0.01, lat-0.001)
	x.way(140, []int{140, 141}, "highway", "primary", "name", "二环路东一段")
	x.way(142, []int{140, 141}, "highway", "motorway")
	x.square(150, lon-0.01, lat-0.01, 0.03, "boundary", "administrative", "admin_level", "8", "name", "少城街道")
	return x
}

func TestReimportReplaces(t *testing.T) {
	for _, sc := range []struct {
		name string
		open func(t *testing.T) store.Store
	}{
		{"memstore", func(t *testing.T) store.Store { return memstore.New() }},
		{"gpkg", func(t *testing.T) store.Store {
			s, err := gpkg.Open(ctx(t), filepath.Join(t.TempDir(), "g.gpkg"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		}},
	} {
		t.Run(sc.name, func(t *testing.T) {
			st := sc.open(t)
			path := smallCity(nil).write(t, "city.osm")
			first := importFile(t, st, path, osm.Options{})
			counts := map[string]int{}
			for _, l := range geo.Schemas {
				counts[l.ID] = len(scan(t, st, l.ID))
				if counts[l.ID] != first.Layers[l.ID].Imported {
					t.Fatalf("%s: store %d, imported %d", l.ID, counts[l.ID], first.Layers[l.ID].Imported)
				}
			}
			if counts[geo.Green] != 2 || counts[geo.Parcels] != 1 || counts[geo.Roads] != 2 || counts[geo.Waste] != 1 || counts[geo.Areas] != 1 {
				t.Fatalf("counts %v", counts)
			}
			second := importFile(t, st, path, osm.Options{})
			for _, l := range geo.Schemas {
				s := second.Layers[l.ID]
				if n := len(scan(t, st, l.ID)); n != counts[l.ID] || s.Replaced != s.Imported || s.Deleted != 0 {
					t.Fatalf("second import %s: store %d (want %d), %+v", l.ID, n, counts[l.ID], s)
				}
			}
			// the garden and the building are gone from the file, and the
			// import replaces the source (asked for by name: WithReplace)
			third, _, err := osm.ImportFile(ctx(t), st, smallCity(map[string]bool{"garden": true, "building": true}).write(t, "city.osm"), osm.Options{}, importer.WithReplace())
			if err != nil {
				t.Fatal(err)
			}
			if g := third.Layers[geo.Green]; g.Deleted != 1 || g.Imported != 1 {
				t.Fatalf("green: %+v", g)
			}
			if p := third.Layers[geo.Parcels]; p.Deleted != 1 || p.Imported != 0 {
				t.Fatalf("parcels: %+v", p)
			}
			for _, f := range scan(t, st, geo.Green) {
				if f.SourceID != "w100" {
					t.Fatalf("green holds %s", f.SourceID)
				}
			}
			if n := len(scan(t, st, geo.Parcels)); n != 0 {
				t.Fatalf("parcels holds %d", n)
			}
		})
	}
}

func TestAttributes(t *testing.T) {
	st := memstore.New()
	sum := importFile(t, st, smallCity(nil).write(t, "city.osm"), osm.Options{})
	by := map[string]*geo.Feature{}
	for _, l := range geo.Schemas {
		for _, f := range scan(t, st, l.ID) {
			by[l.ID+"/"+f.SourceID] = f
		}
	}
	check := func(key, prop string, want any) {
		t.Helper()
		f := by[key]
		if f == nil {
			t.Fatalf("%s not stored", key)
		}
		if got := f.Props[prop]; !reflect.DeepEqual(got, want) {
			t.Errorf("%s %s = %#v, want %#v", key, prop, got, want)
		}
	}
	check("green/w100", "kind", "park")
	check("green/w100", "public", true)
	check("green/w100", "name", "人民公园")
	check("green/w110", "kind", "garden")
	check("green/w110", "public", false)
	check("parcels/w120", "kind", "building")
	check("parcels/w120", "levels", int64(12))
	check("roads/w140", "class", "primary")
	check("roads/w140", "ring", true)
	check("roads/w140", "walkable", true)
	check("roads/w142", "walkable", false)
	check("roads/w142", "ring", false)
	check("waste/n130", "kind", "toilet")
	check("areas/w150", "level", "subdistrict")
	check("areas/w150", "code", "osm:w150")
	check("areas/w150", "parent", "")
	if n := sum.Layers[geo.Green].Skipped["park as point"]; n != 1 {
		t.Errorf("park as point: %d", n)
	}
}

func TestPopulationEstimate(t *testing.T) {
	x := newXML()
	lon, lat := 104.06, 30.66
	x.square(200, lon, lat, 0.002, "landuse", "residential", "name", "锦苑小区")                 // block, 25 % covered
	x.square(210, lon+0.0002, lat+0.0002, 0.001, "building", "yes", "building:levels", "10") // residential: inside a block
	x.square(220, lon+0.0013, lat+0.0013, 0.0003, "building", "school")                      // not residential
	x.square(230, lon+0.01, lat, 0.0005, "building", "apartments")                           // outside any block, 6 levels
	x.square(240, lon+0.02, lat, 0.002, "landuse", "residential")                            // block without buildings
	x.square(250, lon+0.03, lat, 0.002, "landuse", "residential")                            // block, 1 % covered
	x.square(260, lon+0.0302, lat+0.0002, 0.0002, "building", "residential")
	x.square(270, lon+0.05, lat, 0.0005, "building", "yes") // outside: not residential
	st := memstore.New()
	importFile(t, st, x.write(t, "pop.osm"), osm.Options{})
	got := map[string]*geo.Feature{}
	for _, f := range scan(t, st, geo.Parcels) {
		got[f.SourceID] = f
		if f.Text("pop_source") != "estimated" {
			t.Errorf("%s pop_source %q", f.SourceID, f.Text("pop_source"))
		}
		if want := int64(math.Round(float64(f.Int("population")) / osm.HouseholdSize)); f.Int("households") != want {
			t.Errorf("%s households %d, want %d", f.SourceID, f.Int("households"), want)
		}
	}
	area := func(id string) float64 { return got[id].Float("area_m2") }
	want := map[string]float64{
		// Buildings carry their residents; a block what they do not house.
		"w200": 0,
		"w210": area("w210") * 10 / osm.M2PerPerson,
		"w220": 0,
		"w230": area("w230") * osm.DefaultLevels / osm.M2PerPerson,
		"w240": area("w240") * osm.BlockFAR / osm.M2PerPerson,
		"w250": area("w250")*osm.BlockFAR/osm.M2PerPerson - math.Round(area("w260")*osm.DefaultLevels/osm.M2PerPerson),
		"w260": area("w260") * osm.DefaultLevels / osm.M2PerPerson,
		"w270": 0,
	}
	for id, w := range want {
		f := got[id]
		if f == nil {
			t.Fatalf("%s not stored", id)
		}
		if p := f.Int("population"); p != int64(math.Round(w)) {
			t.Errorf("%s (%s) population %d, want %.0f", id, f.Text("kind"), p, w)
		}
	}
	if got["w200"].Text("kind") != "block" || got["w210"].Text("kind") != "building" || got["w210"].Int("levels") != 10 {
		t.Errorf("kinds/levels: %v %v", got["w200"].Props, got["w210"].Props)
	}
	if _, ok := got["w230"].Props["levels"]; ok {
		t.Errorf("levels set without building:levels: %v", got["w230"].Props)
	}
}

func TestMapping(t *testing.T) {
	def := osm.DefaultMapping()
	var b bytes.Buffer
	if err := def.WriteYAML(&b); err != nil {
		t.Fatal(err)
	}
	back, err := osm.ParseMapping("default.yaml", b.Bytes())
	if err != nil {
		t.Fatalf("default mapping does not read back: %v\n%s", err, b.String())
	}
	if !reflect.DeepEqual(back.Rules, def.Rules) {
		t.Fatalf("round trip:\n%v\nwant\n%v", back.Rules, def.Rules)
	}

	m, err := osm.ParseMapping("map.yaml", []byte(`
green:
  - leisure=pitch
  - {tag: landuse=grass, kind: grass, public: true}
parcels:
  - {tag: building=*, off: true}
roads:
  - tag: highway=primary
    walkable: false
`))
	if err != nil {
		t.Fatal(err)
	}
	x := smallCity(nil)
	x.square(300, 104.07, 30.67, 0.001, "leisure", "pitch")
	x.square(310, 104.08, 30.67, 0.001, "landuse", "grass")
	st := memstore.New()
	sum := importFile(t, st, x.write(t, "city.osm"), osm.Options{Mapping: m})
	kinds := map[string]*geo.Feature{}
	for _, f := range scan(t, st, geo.Green) {
		kinds[f.Text("kind")] = f
	}
	if kinds["pitch"] == nil || kinds["grass"] == nil || !kinds["grass"].Bool("public") {
		t.Errorf("green: %v", kinds)
	}
	if n := sum.Layers[geo.Parcels].Read; n != 0 {
		t.Errorf("buildings still mapped: %+v", sum.Layers[geo.Parcels])
	}
	for _, f := range scan(t, st, geo.Roads) {
		if f.Text("class") == "primary" && f.Bool("walkable") {
			t.Errorf("walkable override ignored: %v", f.Props)
		}
	}

	only, err := osm.ParseMapping("only.yaml", []byte("replace: true\nwaste:\n  - {tag: amenity=bench, kind: bench}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(only.Rules) != 1 || only.Rules[0].Kind != "bench" {
		t.Errorf("replace: %v", only.Rules)
	}

	bad := []struct{ name, yaml, want string }{
		{"syntax", "green:\n  - leisure=park\n bad: [\n", "bad.yaml: yaml: line"},
		{"layer", "green:\n  - leisure=park\nlawns:\n  - landuse=grass\n", "bad.yaml: line 3: unknown layer \"lawns\""},
		{"field", "roads:\n  - tag: highway=path\n    colour: red\n", "bad.yaml: line 3: unknown rule field \"colour\""},
		{"tag", "green:\n  - leisure=park\n  - parkland\n", "bad.yaml: line 3: rule tag \"parkland\""},
		{"walkable", "green:\n  - {tag: leisure=park, walkable: true}\n", "bad.yaml: line 2: walkable applies to roads only"},
		{"type", "roads:\n  - {tag: highway=path, walkable: maybe}\n", "bad.yaml: line 2: walkable"},
		{"list", "green: leisure=park\n", "bad.yaml: line 1: green: want a list"},
		{"empty", "", "bad.yaml: empty mapping file"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := osm.ParseMapping("bad.yaml", []byte(tc.yaml))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
	p := filepath.Join(t.TempDir(), "m.yaml")
	if err := os.WriteFile(p, []byte("green:\n  - [x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := osm.LoadMapping(p); err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), "line") {
		t.Fatalf("LoadMapping: %v", err)
	}
}

func TestGzip(t *testing.T) {
	x := smallCity(nil)
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte(x.b.String() + "</osm>\n"))
	zw.Close()
	p := filepath.Join(t.TempDir(), "city.osm.gz")
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	sum := importFile(t, memstore.New(), p, osm.Options{})
	if sum.Format != osm.FormatXMLGz || sum.Layers[geo.Green].Imported != 2 {
		t.Fatalf("%s %+v", sum.Format, sum.Layers[geo.Green])
	}
	for _, name := range []string{"a.osm", "a.OSM.PBF", "a.pbf", "a.osm.gz"} {
		if !osm.Supported(name) {
			t.Errorf("%s not supported", name)
		}
	}
	for _, name := range []string{"a.geojson", "a.shp", "a.gz", "osm"} {
		if osm.Supported(name) {
			t.Errorf("%s supported", name)
		}
	}
}

// BenchmarkImportMonaco reads monaco.osm.pbf and writes it into an empty
// memstore.
func BenchmarkImportMonaco(b *testing.B) {
	path := storetest.SharedData(b, "monaco.osm.pbf")
	var feats int
	for b.Loop() {
		sum, _, err := osm.ImportFile(ctx(b), memstore.New(), path, osm.Options{})
		if err != nil {
			b.Fatal(err)
		}
		feats += sum.Totals().Imported
	}
	b.ReportMetric(float64(feats)/b.Elapsed().Seconds(), "features/s")
}
