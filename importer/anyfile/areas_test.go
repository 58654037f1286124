package anyfile_test

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"testing"

	"github.com/greenreach/greenreach/importer"
	"github.com/greenreach/greenreach/importer/anyfile"
)

// sq is a GeoJSON polygon d degrees a side at lon, lat (at 30.66° N,
// 0.01° is about 1.1 × 0.96 km; 0.0001° about 102 m²).
func sq(lon, lat, d float64) string {
	return `{"type":"Polygon","coordinates":[[[` + f(lon) + `,` + f(lat) + `],[` + f(lon+d) + `,` + f(lat) + `],[` + f(lon+d) + `,` + f(lat+d) + `],[` + f(lon) + `,` + f(lat+d) + `],[` + f(lon) + `,` + f(lat) + `]]]}`
}

func f(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// TestAreasLevelField: a GeoJSON of areas whose level is in a field of
// its own (类型, named by the field map) in Chinese, as a name or as an
// admin_level number: the levels are read, the degenerate areas skipped
// with their reasons.
func TestAreasLevelField(t *testing.T) {
	feat := func(name, typ string, g string) string {
		return `{"type":"Feature","properties":{"名称":"` + name + `","类型":"` + typ + `"},"geometry":` + g + `}`
	}
	doc := `{"type":"FeatureCollection","features":[` +
		feat("锦江区", "区", sq(104.06, 30.64, 0.05)) + `,` +
		feat("春熙路街道", "街道", sq(104.07, 30.65, 0.01)) + `,` +
		feat("红星路社区", "10", sq(104.075, 30.655, 0.003)) + `,` +
		feat("青羊区", "District", sq(104.00, 30.64, 0.05)) + `,` +
		feat("", "街道", sq(104.08, 30.65, 0.01)) + `,` +
		feat("小区", "社区", sq(104.09, 30.65, 0.0001)) + `,` +
		feat("未知", "片区", sq(104.10, 30.65, 0.01)) + `,` +
		feat("无级别", "", sq(104.11, 30.65, 0.01)) + `]}`
	path := filepath.Join(t.TempDir(), "areas.geojson")
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	feats, sum, err := anyfile.ReadFile(context.Background(), path, anyfile.Options{Layer: "areas", Fields: map[string]string{"name": "名称", "level": "类型"}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range feats {
		got = append(got, f.Text("name")+" "+f.Text("level"))
	}
	sort.Strings(got)
	want := []string{"春熙路街道 subdistrict", "红星路社区 community", "锦江区 district", "青羊区 district"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("areas %v, want %v", got, want)
	}
	skipped := map[string]int{importer.ReasonUnnamedArea: 1, importer.ReasonTinyArea: 1, importer.ReasonBadLevel: 1, importer.ReasonNoLevel: 1}
	if l := sum.Layers["areas"]; l == nil || !reflect.DeepEqual(l.Skipped, skipped) {
		t.Errorf("summary %+v, want skipped %v", l, skipped)
	}
}
