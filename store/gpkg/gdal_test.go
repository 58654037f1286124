package gpkg

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/store/storetest"
)

const (
	systemPython = "/usr/bin/python3" // the PATH python3 may lack osgeo
	validator    = "/usr/lib/python3/dist-packages/osgeo_utils/samples/validate_gpkg.py"
)

var featureCount = regexp.MustCompile(`(?m)^Feature Count: (\d+)$`)

// ogrCount runs ogrinfo -ro -so on one layer and returns its feature count.
func ogrCount(t *testing.T, ogrinfo, path, layer string, spat ...float64) int {
	t.Helper()
	args := []string{"-ro", "-so"}
	if len(spat) == 4 {
		args = append(args, "-spat")
		for _, v := range spat {
			args = append(args, strconv.FormatFloat(v, 'f', -1, 64))
		}
	}
	args = append(args, path, layer)
	out, err := exec.Command(ogrinfo, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("ogrinfo %v: %v\n%s", args, err, out)
	}
	if strings.Contains(string(out), "ERROR") {
		t.Errorf("ogrinfo %v reported errors:\n%s", args, out)
	}
	m := featureCount.FindSubmatch(out)
	if m == nil {
		t.Fatalf("ogrinfo %v: no feature count in\n%s", args, out)
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

func TestGDALReadsStore(t *testing.T) {
	ogrinfo := requireTool(t, "ogrinfo")
	dir := t.TempDir()
	const bulk = 20000 // parcels(0, 20000): a bulk-built RTree
	closed := filepath.Join(dir, "closed.gpkg")
	sampleStore(t, closed, bulk)

	// A store still open, its last commit only in the WAL.
	ctx := context.Background()
	open := filepath.Join(dir, "open.gpkg")
	sampleStore(t, open, bulk)
	s, err := Open(ctx, open)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Write(ctx, func(tx store.Tx) error { return tx.Put(ctx, storetest.Sample("test", "late", 106, 32)) }); err != nil {
		t.Fatal(err)
	}

	around := func(p [2]float64) []float64 { return []float64{p[0] - 0.01, p[1] - 0.01, p[0] + 0.01, p[1] + 0.01} }
	for _, tc := range []struct {
		name, path string
		places     int
	}{{"closed", closed, len(samplePlaces)}, {"open", open, len(samplePlaces) + 1}} {
		t.Run(tc.name, func(t *testing.T) {
			for _, sc := range geo.Schemas {
				want := tc.places
				if sc.ID == geo.Parcels {
					want += bulk
				}
				if n := ogrCount(t, ogrinfo, tc.path, sc.ID); n != want {
					t.Errorf("%s: %d features, want %d", sc.ID, n, want)
				}
				for _, p := range samplePlaces {
					if n := ogrCount(t, ogrinfo, tc.path, sc.ID, around(p)...); n != 1 {
						t.Errorf("%s around %v: %d features, want 1", sc.ID, p, n)
					}
				}
			}
			// A window over 4×4 bulk parcels, its edges in the gaps of the grid.
			win := []float64{103.9 + 0.00045, 30.5 + 0.00045, 103.9 + 0.00245, 30.5 + 0.00245}
			if n := ogrCount(t, ogrinfo, tc.path, geo.Parcels, win...); n != 16 {
				t.Errorf("parcels in window: %d, want 16", n)
			}
			args := []string{"-ro", "-spat"}
			for _, v := range around(samplePlaces[0]) {
				args = append(args, strconv.FormatFloat(v, 'f', -1, 64))
			}
			out, err := exec.Command(ogrinfo, append(args, tc.path, geo.Green)...).CombinedOutput()
			if err != nil {
				t.Fatalf("ogrinfo: %v\n%s", err, out)
			}
			for _, want := range []string{"name (String) = 人民公园 a", "public (Integer(Boolean)) = 1", "grade (Integer64) = 1",
				"shrub_m2 (Real) = 350.5", "source_id (String) = ga", "updated (DateTime) = ", "MULTIPOLYGON (((104.06 30.66"} {
				if !strings.Contains(string(out), want) {
					t.Errorf("ogrinfo output lacks %q:\n%s", want, out)
				}
			}
		})
	}
}

func TestGDALValidator(t *testing.T) {
	if _, err := os.Stat(validator); err != nil {
		missingTool(t, validator+": "+err.Error())
	}
	if out, err := exec.Command(systemPython, "-c", "import osgeo").CombinedOutput(); err != nil {
		missingTool(t, fmt.Sprintf("%s with osgeo: %v %s", systemPython, err, out))
	}
	ctx := context.Background()
	dir := t.TempDir()
	tests := []struct {
		name  string
		write func(t *testing.T, path string)
	}{
		{"empty", func(t *testing.T, path string) {
			s, err := Open(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			s.Close()
		}},
		{"samples and bulk", func(t *testing.T, path string) { sampleStore(t, path, 5000) }},
		{"after edits", func(t *testing.T, path string) {
			sampleStore(t, path, 5000)
			s, err := Open(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			_, err = s.Write(ctx, func(tx store.Tx) error {
				if _, err := tx.DeleteSource(ctx, geo.Roads, "test", nil); err != nil {
					return err
				}
				if err := tx.Delete(ctx, geo.Parcels, 10); err != nil {
					return err
				}
				return tx.Put(ctx, parcels(4000, 2000))
			})
			if err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".gpkg")
			tc.write(t, path)
			out, err := exec.Command(systemPython, validator, "-k", "--extra", "--warning-as-error", path).CombinedOutput()
			if err != nil || len(strings.TrimSpace(string(out))) > 0 {
				t.Errorf("validate_gpkg.py: %v\n%s", err, out)
			}
		})
	}
}
