package gpkg

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/store/storetest"
)

// requireTool returns the path of an external program, skipping the test
// when it is missing unless CI or GREENREACH_REQUIRE_TOOLS is set.
func requireTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		missingTool(t, name+": "+err.Error())
	}
	return p
}

func missingTool(t *testing.T, why string) {
	t.Helper()
	if os.Getenv("CI") != "" || os.Getenv("GREENREACH_REQUIRE_TOOLS") != "" {
		t.Fatalf("required tool missing: %s", why)
	}
	t.Skipf("tool missing: %s", why)
}

func fileSum(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

// sampleStore writes a closed store with storetest samples (and n extra
// parcels) at path.
func sampleStore(t *testing.T, path string, extra int) {
	t.Helper()
	ctx := context.Background()
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Write(ctx, func(tx store.Tx) error {
		for i, p := range samplePlaces {
			if err := tx.Put(ctx, storetest.Sample("test", string(rune('a'+i)), p[0], p[1])); err != nil {
				return err
			}
		}
		return tx.Put(ctx, parcels(0, extra))
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

// samplePlaces are far enough apart that a spatial filter around one
// finds only its features.
var samplePlaces = [][2]float64{{104.06, 30.66}, {104.5, 30.9}, {105.0, 31.3}}

func TestOpenRefusesForeignFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	random := make([]byte, 64<<10)
	io.ReadFull(rand.Reader, random)

	plain := filepath.Join(dir, "plain.db")
	db, err := sql.Open("sqlite", plain)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO t (name) VALUES ('x')`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	real := filepath.Join(dir, "real.gpkg")
	sampleStore(t, real, 20000)
	whole, err := os.ReadFile(real)
	if err != nil {
		t.Fatal(err)
	}
	truncated := write("truncated.gpkg", whole[:len(whole)/2])
	header := write("header.gpkg", whole[:1024])

	newer := filepath.Join(dir, "newer.gpkg")
	sampleStore(t, newer, 0)
	db, err = sql.Open("sqlite", newer)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE gr_meta SET value = '999' WHERE key = 'schema_version'`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	tests := []struct {
		name string
		path func(t *testing.T) string
		want string // the error, after "<path>: "
	}{
		{"random bytes", func(*testing.T) string { return write("random.gpkg", random) }, "not a GeoPackage: file is not a database"},
		{"text file", func(*testing.T) string { return write("notes.gpkg", []byte("hello, world\n")) }, "not a GeoPackage: file is not a database"},
		{"plain SQLite", func(*testing.T) string { return plain }, "not a GeoPackage"},
		{"ogr2ogr GeoPackage", func(t *testing.T) string {
			ogr2ogr := requireTool(t, "ogr2ogr")
			src := write("parks.geojson", []byte(`{"type":"FeatureCollection","features":[
				{"type":"Feature","properties":{"name":"a"},"geometry":{"type":"Polygon","coordinates":[[[104,30],[104.1,30],[104.1,30.1],[104,30]]]}},
				{"type":"Feature","properties":{"name":"b"},"geometry":{"type":"Point","coordinates":[104.2,30.2]}}]}`))
			out := filepath.Join(dir, "parks.gpkg")
			if b, err := exec.Command(ogr2ogr, "-f", "GPKG", out, src).CombinedOutput(); err != nil {
				t.Fatalf("ogr2ogr: %v\n%s", err, b)
			}
			return out
		}, "a GeoPackage, but not a greenreach store (no gr_layers table); load its layers with `greenreach import`"},
		{"truncated store", func(*testing.T) string { return truncated }, "damaged database: database disk image is malformed"},
		{"store header only", func(*testing.T) string { return header }, "damaged database: database disk image is malformed"},
		{"newer schema", func(*testing.T) string { return newer }, "store schema version 999 is newer than this greenreach supports (" + strconv.Itoa(schemaVersion) + ")"},
		{"directory", func(*testing.T) string { return dir }, "is a directory, not a GeoPackage"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := tc.path(t)
			var before [32]byte
			fi, _ := os.Stat(path)
			if !fi.IsDir() {
				before = fileSum(t, path)
			}
			entries, _ := os.ReadDir(filepath.Dir(path))
			s, err := Open(context.Background(), path)
			if err == nil {
				s.Close()
				t.Fatal("opened")
			}
			if got, want := err.Error(), path+": "+tc.want; got != want {
				t.Errorf("error:\n got %q\nwant %q", got, want)
			}
			if strings.ContainsAny(err.Error(), "\r\n") {
				t.Errorf("error is not one line: %q", err)
			}
			if !fi.IsDir() && fileSum(t, path) != before {
				t.Errorf("%s changed by a failed open", path)
			}
			if after, _ := os.ReadDir(filepath.Dir(path)); len(after) != len(entries) {
				t.Errorf("failed open left files: %d entries before, %d after", len(entries), len(after))
			}
		})
	}
}

func TestOpenCreates(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.gpkg")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for name, path := range map[string]string{
		"absent, with parent dirs": filepath.Join(dir, "a", "b", "new.gpkg"),
		"0-byte file":              empty,
		"name with ?#% and space":  filepath.Join(dir, "odd ?#%41.gpkg"),
	} {
		t.Run(name, func(t *testing.T) {
			s, err := Open(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			if s.Kind() != "gpkg" {
				t.Errorf("kind %q", s.Kind())
			}
			if err := s.Ping(ctx); err != nil {
				t.Errorf("ping: %v", err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			hdr, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if string(hdr[:16]) != "SQLite format 3\x00" {
				t.Fatalf("not an SQLite file: %q", hdr[:16])
			}
			if id := binary.BigEndian.Uint32(hdr[68:]); id != 0x47504B47 {
				t.Errorf("application_id %#x", id)
			}
			if v := binary.BigEndian.Uint32(hdr[60:]); v != 10300 {
				t.Errorf("user_version %d", v)
			}
			if hdr[18] != 2 || hdr[19] != 2 {
				t.Errorf("not in WAL mode: %d %d", hdr[18], hdr[19])
			}
			for _, suffix := range []string{"-wal", "-shm"} {
				if _, err := os.Stat(path + suffix); err == nil {
					t.Errorf("%s left after Close", suffix)
				}
			}
			// Reopening is a no-op migration.
			s, err = Open(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			s.Close()
		})
	}
}

// TestSchema checks what a new store holds, beyond the validator.
func TestSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.gpkg")
	sampleStore(t, path, 0)
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	query := func(q string, args ...any) [][]any {
		rows, err := db.Query(q, args...)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		var out [][]any
		for rows.Next() {
			r := make([]any, len(cols))
			p := make([]any, len(cols))
			for i := range r {
				p[i] = &r[i]
			}
			rows.Scan(p...)
			out = append(out, r)
		}
		return out
	}
	for _, sc := range geo.Schemas {
		r := query(`SELECT c.data_type, c.identifier, c.srs_id, g.column_name, g.geometry_type_name, g.srs_id, c.min_x, c.max_y, c.last_change
			FROM gpkg_contents c JOIN gpkg_geometry_columns g USING (table_name) WHERE table_name = ?`, sc.ID)
		if len(r) != 1 || r[0][0] != "features" || r[0][1] != sc.TitleZH || r[0][2] != int64(4326) || r[0][3] != "geom" ||
			r[0][4] != string(sc.Geom) || r[0][5] != int64(4326) || r[0][6] == nil || r[0][7] == nil || r[0][8] == nil {
			t.Errorf("%s registration: %v", sc.ID, r)
		}
		if r := query(`SELECT scope FROM gpkg_extensions WHERE table_name = ? AND column_name = 'geom' AND extension_name = 'gpkg_rtree_index'`, sc.ID); len(r) != 1 || r[0][0] != "write-only" {
			t.Errorf("%s rtree extension: %v", sc.ID, r)
		}
		var want []any
		for _, ddl := range rtreeTriggers(sc.ID) {
			want = append(want, ddl)
		}
		got := query(`SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ? ORDER BY name`, sc.ID)
		if len(got) != 6 {
			t.Errorf("%s: %d triggers", sc.ID, len(got))
		}
		for _, g := range got {
			found := false
			for _, w := range want {
				found = found || g[0] == w
			}
			if !found {
				t.Errorf("%s: unexpected trigger %v", sc.ID, g[0])
			}
		}
		if r := query(`SELECT rtreecheck(?)`, rtreeName(sc.ID)); r[0][0] != "ok" {
			t.Errorf("%s rtreecheck: %v", sc.ID, r[0][0])
		}
		cols := query(`SELECT name, type, "notnull", pk FROM pragma_table_info(?)`, sc.ID)
		wantCols := [][]any{{"fid", "INTEGER", int64(1), int64(1)}, {"geom", string(sc.Geom), int64(0), int64(0)},
			{"source", "TEXT", int64(1), int64(0)}, {"source_id", "TEXT", int64(1), int64(0)},
			{"version", "INTEGER", int64(1), int64(0)}, {"updated", "DATETIME", int64(1), int64(0)}}
		for _, f := range sc.Fields {
			wantCols = append(wantCols, []any{f.Name, columnType(f.Type), int64(0), int64(0)})
		}
		if len(cols) != len(wantCols) {
			t.Errorf("%s columns %v", sc.ID, cols)
			continue
		}
		for i := range cols {
			for j := range cols[i] {
				if cols[i][j] != wantCols[i][j] {
					t.Errorf("%s column %d: %v, want %v", sc.ID, i, cols[i], wantCols[i])
					break
				}
			}
		}
	}
	if r := query(`SELECT data_type FROM gpkg_contents WHERE table_name = 'gr_layers'`); len(r) != 1 || r[0][0] != "attributes" {
		t.Errorf("gr_layers registration: %v", r)
	}
	if r := query(`SELECT layer, version FROM gr_layers ORDER BY id`); len(r) != len(geo.Schemas) || r[0][0] != geo.Green || r[0][1] != int64(1) {
		t.Errorf("gr_layers: %v", r)
	}
	if r := query(`SELECT value FROM gr_meta WHERE key = 'schema_version'`); len(r) != 1 || r[0][0] != strconv.Itoa(len(migrations)) {
		t.Errorf("gr_meta: %v", r)
	}
	if r := query(`SELECT data_type FROM gpkg_contents WHERE table_name = 'gr_scenarios'`); len(r) != 1 || r[0][0] != "attributes" {
		t.Errorf("gr_scenarios registration: %v", r)
	}
	if r := query(`SELECT srs_id FROM gpkg_spatial_ref_sys ORDER BY srs_id`); len(r) != 3 {
		t.Errorf("gpkg_spatial_ref_sys: %v", r)
	}
	if r := query(`SELECT min_x, min_y, max_x, max_y FROM gpkg_contents WHERE table_name = 'waste'`); r[0][0] != 104.06+0.0015 || r[0][3] != 31.3+0.0015 {
		t.Errorf("waste extent in gpkg_contents: %v", r[0])
	}
}
