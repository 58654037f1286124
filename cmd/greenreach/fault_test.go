package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/greenreach/greenreach/store/storetest"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/store/open"
	"github.com/paulmach/orb/encoding/wkb"
)

// TestMain lets the tests run the command as a child process (to kill it):
// with GREENREACH_CLI_CHILD set, the test binary is `greenreach` with the
// arguments after "--".
func TestMain(m *testing.M) {
	if os.Getenv("GREENREACH_CLI_CHILD") != "" {
		args := os.Args[1:]
		for i, a := range args {
			if a == "--" {
				args = args[i+1:]
				break
			}
		}
		os.Exit(run(context.Background(), args, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// fingerprint hashes every feature of every layer (id, version, source,
// geometry, attributes) and the layer versions: equal fingerprints, equal
// stores.
func fingerprint(t *testing.T, db string) (string, map[string]int) {
	t.Helper()
	ctx := context.Background()
	st, err := open.Store(ctx, db)
	if err != nil {
		t.Fatalf("open %s after the kill: %v", db, err)
	}
	defer st.Close()
	h := sha256.New()
	counts := map[string]int{}
	infos, err := st.Layers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range infos {
		fmt.Fprintf(h, "layer %s v%d n%d\n", l.ID, l.Version, l.Count)
		err := st.Scan(ctx, l.ID, func(f *geo.Feature) error {
			raw, _ := wkb.Marshal(f.Geom)
			fmt.Fprintf(h, "%d %d %s %s %x %v\n", f.ID, f.Version, f.Source, f.SourceID, sha256.Sum256(raw), f.Props)
			counts[l.ID]++
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return hex.EncodeToString(h.Sum(nil)), counts
}

// TestKillDuringImport: `greenreach import` killed with SIGKILL at random
// moments while it writes, 20 times per store, leaves the store exactly as
// it was or, when the kill came after the commit, with the whole import —
// never a part.
func TestKillDuringImport(t *testing.T) {
	pbf := storetest.SharedData(t, "monaco.osm.pbf")
	stores := bothStores(t, "kill")
	for kind, db := range stores {
		t.Run(kind, func(t *testing.T) {
			demo(t, db, "small")
			// A whole import, into a copy (GeoPackage) or the store itself
			// (PostGIS: the tries then replace it), timed from the end of
			// reading to the commit.
			ref := db
			if kind == "gpkg" {
				ref = filepath.Join(t.TempDir(), "ref.gpkg")
				copyFile(t, db, ref)
			}
			before, _ := fingerprint(t, ref)
			cmd, lines := childLines(t, "--db", ref, "import", pbf)
			var read, committed time.Time
			for l := range lines {
				switch {
				case strings.HasSuffix(l, "(read)"):
					read = time.Now()
				case strings.HasSuffix(l, "(committed)"):
					committed = time.Now()
				}
			}
			if err := cmd.Wait(); err != nil || read.IsZero() || committed.IsZero() {
				t.Fatalf("a whole import: %v (read %v, committed %v)", err, read, committed)
			}
			writing := committed.Sub(read)
			full, fullCounts := fingerprint(t, ref)
			if full == before {
				t.Fatal("the import changed nothing")
			}
			rng := rand.New(rand.NewPCG(7, uint64(len(kind))))
			was, _ := fingerprint(t, db)
			unchanged, whole := 0, 0
			for try := 0; try < 20; try++ {
				target := db
				if kind == "gpkg" {
					target = filepath.Join(t.TempDir(), fmt.Sprintf("try%d.gpkg", try))
					copyFile(t, db, target)
				}
				cmd, lines := childLines(t, "--db", target, "import", pbf)
				for l := range lines {
					if strings.HasSuffix(l, "(read)") {
						break
					}
				}
				// Into the write, now and then just past its commit.
				time.Sleep(time.Duration(rng.Float64() * 1.15 * float64(writing)))
				cmd.Process.Signal(syscall.SIGKILL)
				cmd.Wait()
				now, counts := fingerprint(t, target)
				switch {
				case now == was:
					unchanged++
				case counts[geo.Green] == fullCounts[geo.Green] && counts[geo.Parcels] == fullCounts[geo.Parcels] && counts[geo.Roads] == fullCounts[geo.Roads] && counts[geo.Waste] == fullCounts[geo.Waste]:
					whole++ // committed before the kill: the whole import
					if kind == "postgis" {
						was = now
					}
				default:
					t.Fatalf("try %d: after the kill the store is neither as before nor the whole import: %v (whole: %v)", try, counts, fullCounts)
				}
			}
			if unchanged < 8 {
				t.Errorf("only %d of 20 kills landed before the commit: the test does not test", unchanged)
			}
			t.Logf("writing takes %s; 20 kills while writing: %d left the store unchanged, %d came after the commit and left the whole import", writing.Round(time.Millisecond), unchanged, whole)
		})
	}
}

// childLines starts greenreach ARGS and streams its stderr lines (closed
// at its end).
func childLines(t *testing.T, args ...string) (*exec.Cmd, <-chan string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"-test.run=^$", "--"}, args...)...)
	cmd.Env = append(os.Environ(), "GREENREACH_CLI_CHILD=1")
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 64)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default: // nobody reads any more
			}
		}
	}()
	return cmd, lines
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// bothStores names a new GeoPackage and, where the tests have PostGIS, a
// new schema in it (required in CI).
func bothStores(t *testing.T, name string) map[string]string {
	t.Helper()
	stores := map[string]string{"gpkg": filepath.Join(t.TempDir(), name+".gpkg")}
	if os.Getenv("GREENREACH_TEST_PG") != "" || os.Getenv("GREENREACH_REQUIRE_POSTGIS") != "" {
		stores["postgis"] = storetest.PostGISURL(t, name)
	}
	return stores
}
