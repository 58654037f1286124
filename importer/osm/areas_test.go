package osm_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/importer"
	"github.com/greenreach/greenreach/importer/osm"
	"github.com/greenreach/greenreach/store/memstore"
	"github.com/greenreach/greenreach/store/storetest"
)

// osmiumAdminAreas lists the boundary=administrative polygons osmium
// itself assembles from file (tags-filter, then export, which drops the
// relations it cannot close) as "r123 level name" lines, keeping those the
// default mapping should import: admin_level 6, 8, 9 or 10, named, 1 ha.
func osmiumAdminAreas(t *testing.T, file string) (areas []string, perLevel map[string]int) {
	t.Helper()
	if _, err := exec.LookPath("osmium"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("osmium-tool not installed")
		}
		t.Skip("osmium-tool not installed")
	}
	dir := t.TempDir()
	filtered, seq := filepath.Join(dir, "adm.osm.pbf"), filepath.Join(dir, "adm.geojsonseq")
	if out, err := exec.Command("osmium", "tags-filter", "-o", filtered, file, "boundary=administrative").CombinedOutput(); err != nil {
		t.Fatalf("osmium tags-filter: %v\n%s", err, out)
	}
	if out, err := exec.Command("osmium", "export", "-f", "geojsonseq", "-a", "type,id", "--geometry-types=polygon,multipolygon", "-o", seq, filtered).CombinedOutput(); err != nil {
		t.Fatalf("osmium export: %v\n%s", err, out)
	}
	b, err := os.ReadFile(seq)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"6": "district", "8": "subdistrict", "9": "community", "10": "community"}
	perLevel = map[string]int{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		line := bytes.TrimLeft(sc.Bytes(), "\x1e")
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var f struct {
			Properties map[string]any  `json:"properties"`
			Geometry   json.RawMessage `json:"geometry"`
		}
		if err := json.Unmarshal(line, &f); err != nil {
			t.Fatal(err)
		}
		p := f.Properties
		level := want[str(p["admin_level"])]
		if p["boundary"] != "administrative" || level == "" || strings.TrimSpace(str(p["name"])) == "" {
			continue
		}
		sid := map[string]string{"relation": "r", "way": "w"}[str(p["@type"])] + str(p["@id"])
		areas = append(areas, sid+" "+level+" "+str(p["name"]))
		perLevel[level]++
	}
	sort.Strings(areas)
	return areas, perLevel
}

func str(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return ""
}

// TestAdminAreasMatchOsmium: on Chengdu and Monaco the areas imported —
// their OSM ids, levels and names — are the administrative polygons osmium
// assembles at the mapped admin_levels. Chengdu's boundary relations are
// all cut by the extract's edge, so it has none; Monaco has its 4 communes
// (admin_level 8) and 9 quarters (10).
func TestAdminAreasMatchOsmium(t *testing.T) {
	for _, tc := range []struct {
		name        string
		sub, commun int
	}{{"chengdu.osm.pbf", 0, 0}, {"monaco.osm.pbf", 4, 9}} {
		t.Run(tc.name, func(t *testing.T) {
			path := storetest.SharedData(t, tc.name)
			want, perLevel := osmiumAdminAreas(t, path)
			if perLevel["subdistrict"] != tc.sub || perLevel["community"] != tc.commun {
				t.Fatalf("osmium: %v, want %d subdistricts, %d communities", perLevel, tc.sub, tc.commun)
			}
			st := memstore.New()
			sum := importFile(t, st, path, osm.Options{})
			var got []string
			for _, f := range scan(t, st, geo.Areas) {
				got = append(got, f.SourceID+" "+f.Text("level")+" "+f.Text("name"))
			}
			sort.Strings(got)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("areas imported:\n%s\nosmium:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			if l := sum.Layers[geo.Areas]; l == nil || l.Imported != len(want) {
				t.Errorf("summary: %+v, want %d imported", l, len(want))
			}
		})
	}
}

// degenerateCity is smallCity with what a real extract had among its
// boundaries: two unnamed closed ways of about 40 m² tagged as street
// boundaries, plus a named 0.3 ha one, a large unnamed one, an open one,
// and the prefecture-level city itself (admin_level 5).
func degenerateCity() *osmXML {
	x := smallCity(nil)
	lon, lat := 104.06, 30.66
	x.square(400, lon+0.0100, lat+0.0100, 0.00006, "boundary", "administrative", "admin_level", "8")
	x.square(410, lon+0.0102, lat+0.0100, 0.000065, "boundary", "administrative", "admin_level", "8")
	x.square(420, lon+0.0110, lat+0.0100, 0.0005, "boundary", "administrative", "admin_level", "10", "name", "小社区")
	x.square(430, lon-0.0100, lat-0.0100, 0.01, "boundary", "administrative", "admin_level", "10")
	x.node(440, lon, lat+0.02)
	x.node(441, lon+0.01, lat+0.02)
	x.way(440, []int{440, 441}, "boundary", "administrative", "admin_level", "8", "name", "半条边界")
	x.square(450, lon-0.05, lat-0.05, 0.1, "boundary", "administrative", "admin_level", "5", "name", "成都市")
	return x
}

// TestDegenerateAdminAreasSkipped: the tiny, unnamed and open boundaries
// and the city itself are skipped, each with its reason in the summary;
// only the street office 少城街道 is imported.
func TestDegenerateAdminAreasSkipped(t *testing.T) {
	x := degenerateCity()
	path := x.write(t, "city.osm")
	st := memstore.New()
	sum := importFile(t, st, path, osm.Options{})
	areas := scan(t, st, geo.Areas)
	if len(areas) != 1 || areas[0].Text("name") != "少城街道" || areas[0].Text("level") != "subdistrict" {
		var got []string
		for _, f := range areas {
			got = append(got, f.SourceID+" "+f.Text("name")+" "+f.Text("level")+" "+strconv.FormatFloat(f.Float("area_m2"), 'f', 0, 64))
		}
		t.Fatalf("areas imported: %v, want 少城街道 only", got)
	}
	l := sum.Layers[geo.Areas]
	want := map[string]int{
		importer.ReasonTinyArea:    3, // 38 and 45 m², and 0.3 ha
		importer.ReasonUnnamedArea: 1,
		"boundary as line":         1,
		"admin_level 5 not mapped": 1,
	}
	if !reflect.DeepEqual(l.Skipped, want) {
		t.Errorf("skipped %v, want %v", l.Skipped, want)
	}
	var b bytes.Buffer
	if err := sum.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	for r := range want {
		if !strings.Contains(b.String(), r) {
			t.Errorf("summary table lacks %q:\n%s", r, b.String())
		}
	}
}

// TestAdminLevelsMapping: the mapping file's admin_levels changes the
// table (the city at 5 as a district, streets at 8 skipped), reads back
// from WriteYAML, and refuses what it cannot mean.
func TestAdminLevelsMapping(t *testing.T) {
	def := osm.DefaultMapping()
	if !reflect.DeepEqual(def.AdminLevels, map[int]string{6: "district", 8: "subdistrict", 9: "community", 10: "community"}) {
		t.Errorf("default admin levels %v", def.AdminLevels)
	}
	m, err := osm.ParseMapping("map.yaml", []byte("admin_levels:\n  5: district\n  8: skip\n"))
	if err != nil {
		t.Fatal(err)
	}
	st := memstore.New()
	sum := importFile(t, st, degenerateCity().write(t, "city.osm"), osm.Options{Mapping: m})
	var got []string
	for _, f := range scan(t, st, geo.Areas) {
		got = append(got, f.Text("name")+" "+f.Text("level"))
	}
	if !reflect.DeepEqual(got, []string{"成都市 district"}) {
		t.Errorf("areas %v, want 成都市 as a district", got)
	}
	if n := sum.Layers[geo.Areas].Skipped["admin_level 8 not mapped"]; n != 3 {
		t.Errorf("admin_level 8 skipped %d times, want 3 (少城街道, the two tiny ways; the open one is a line): %v", n, sum.Layers[geo.Areas].Skipped)
	}
	var b bytes.Buffer
	if err := m.WriteYAML(&b); err != nil {
		t.Fatal(err)
	}
	back, err := osm.ParseMapping("back.yaml", b.Bytes())
	if err != nil || !reflect.DeepEqual(back.AdminLevels, m.AdminLevels) {
		t.Errorf("round trip: %v %v, want %v\n%s", back, err, m.AdminLevels, b.String())
	}
	for _, tc := range []struct{ yaml, want string }{
		{"admin_levels: [6]\n", "line 1: admin_levels: want a mapping"},
		{"admin_levels:\n  13: district\n", "line 2: admin_levels: \"13\": want an admin_level 1–12"},
		{"admin_levels:\n  x: district\n", "line 2: admin_levels: \"x\""},
		{"admin_levels:\n  6: county\n", "line 2: admin_levels: 6: \"county\": want district"},
	} {
		if _, err := osm.ParseMapping("bad.yaml", []byte(tc.yaml)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.yaml, err, tc.want)
		}
	}
}
