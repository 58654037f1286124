// Package tilestest helps tile tests: the demo town indexed, and vector
// tiles read with GDAL, as a real client would.
package tilestest

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// NeedOgrinfo skips the test when GDAL's ogrinfo is missing, or fails it
// when CI or GREENREACH_REQUIRE_TOOLS says the tools must be there.
func NeedOgrinfo(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("ogrinfo"); err != nil {
		if os.Getenv("CI") != "" || os.Getenv("GREENREACH_REQUIRE_TOOLS") != "" {
			t.Fatal("ogrinfo (gdal-bin) is required")
		}
		t.Skip("ogrinfo not installed")
	}
}

// GDALCounts opens an uncompressed MVT tile with ogrinfo (GDAL's MVT
// driver) and returns the feature count of each layer it lists; none for an
// empty tile.
func GDALCounts(t testing.TB, data []byte, z, x, y int) map[string]int {
	t.Helper()
	if len(data) == 0 {
		// A tile without features has no layer (MVT 2.1 §4.1): zero bytes,
		// which GDAL does not open.
		return map[string]int{}
	}
	path := filepath.Join(t.TempDir(), "tile.mvt")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("ogrinfo", "-ro", "-so", "-al", "-oo", fmt.Sprintf("X=%d", x), "-oo", fmt.Sprintf("Y=%d", y), "-oo", fmt.Sprintf("Z=%d", z), path).CombinedOutput()
	if err != nil {
		t.Fatalf("ogrinfo %d/%d/%d: %v\n%s", z, x, y, err, out)
	}
	counts := map[string]int{}
	layer := ""
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, "Layer name: "); ok {
			layer = v
		}
		if v, ok := strings.CutPrefix(line, "Feature Count: "); ok && layer != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				t.Fatalf("ogrinfo: %q", line)
			}
			counts[layer] += n
		}
	}
	return counts
}
