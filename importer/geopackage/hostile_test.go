package geopackage

import (
	"context"
	"database/sql"
	"encoding/binary"
	"math"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/store/gpkg"
	"github.com/paulmach/orb"
)

// gpkgSchema is the part of a GeoPackage the reader needs, with one
// feature table "parks" (geometry column geom, WGS84) registered; the
// table itself is created by the test.
const gpkgSchema = `
CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
INSERT INTO gpkg_spatial_ref_sys VALUES ('WGS 84', 4326, 'EPSG', 4326, 'GEOGCS["WGS 84"]', NULL);
CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT, description TEXT DEFAULT '', last_change DATETIME, min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER);
INSERT INTO gpkg_contents (table_name, data_type, srs_id) VALUES ('parks', 'features', 4326);
CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL);
INSERT INTO gpkg_geometry_columns VALUES ('parks', 'geom', 'GEOMETRY', 4326, 0, 0);
`

// makeGPKG writes a GeoPackage of gpkgSchema and the statements stmts
// (the feature table "parks", rows) and returns its path.
func makeGPKG(t testing.TB, stmts ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "hostile.gpkg")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, s := range append([]string{gpkgSchema}, stmts...) {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	return path
}

// readMeasured reads path with a deadline of 20 s and returns the error,
// the time taken and the bytes allocated on the Go heap.
func readMeasured(t *testing.T, path string) (error, time.Duration, uint64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	_, _, err := ReadFile(ctx, path, Options{Layer: geo.Green})
	took := time.Since(start)
	runtime.ReadMemStats(&after)
	return err, took, after.TotalAlloc - before.TotalAlloc
}

// TestHostileGeoPackages: tables that compute their rows when read (a view
// of 200 MB zeroblobs, an endless recursive view, gpkg_contents itself a
// view, a generated column of 200 MB, a virtual table) and a stored value
// over MaxValue are refused within a second, with an error naming the
// file, what was refused and the limit, and without their bytes in memory.
func TestHostileGeoPackages(t *testing.T) {
	tests := []struct {
		name  string
		stmts []string
		want  string
	}{
		{"zeroblob view", []string{`CREATE VIEW parks AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 5) SELECT i AS fid, zeroblob(200000000) AS geom FROM n`},
			"parks is a view"},
		{"recursive view", []string{`CREATE VIEW parks AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n) SELECT i AS fid, randomblob(1000) AS geom FROM n ORDER BY i DESC`},
			"parks is a view"},
		{"gpkg_contents a view", []string{
			`CREATE TABLE parks (fid INTEGER PRIMARY KEY, geom BLOB)`,
			`ALTER TABLE gpkg_contents RENAME TO contents`,
			`CREATE VIEW gpkg_contents AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n) SELECT 'parks' || i AS table_name, 'features' AS data_type FROM n ORDER BY i DESC`},
			"gpkg_contents is a view"},
		{"generated column", []string{`CREATE TABLE parks (fid INTEGER PRIMARY KEY, geom BLOB, pad BLOB AS (zeroblob(200000000)))`, `INSERT INTO parks (fid) VALUES (1), (2), (3)`},
			"column pad is computed when read"},
		{"virtual table", []string{`CREATE VIRTUAL TABLE parks USING rtree(fid, minx, maxx)`},
			"parks is a virtual table"},
		{"stored 100 MB blob", []string{`CREATE TABLE parks (fid INTEGER PRIMARY KEY, geom BLOB)`, `INSERT INTO parks VALUES (1, zeroblob(100000000))`},
			"over the limit of 67108864 bytes (64 MiB)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := makeGPKG(t, tc.stmts...)
			err, took, alloc := readMeasured(t, path)
			if err == nil || !strings.HasPrefix(err.Error(), path+": ") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one naming the file and %q", err, tc.want)
			}
			if took > time.Second {
				t.Errorf("refused after %v", took)
			}
			if alloc > 16<<20 {
				t.Errorf("allocated %d MiB", alloc>>20)
			}
		})
	}
}

// TestQueriesStopAtDeadline: a query on the reader's connection stops when
// its context's deadline passes (modernc's driver interrupts SQLite), here
// a recursive count that would run forever.
func TestQueriesStopAtDeadline(t *testing.T) {
	path := makeGPKG(t, `CREATE TABLE parks (fid INTEGER PRIMARY KEY, geom BLOB)`)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	db, conn, err := open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	defer conn.Close()
	start := time.Now()
	var n int64
	err = conn.QueryRowContext(ctx, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n) SELECT count(*) FROM n`).Scan(&n)
	if err == nil || time.Since(start) > 20*time.Second {
		t.Fatalf("endless query: err %v after %v", err, time.Since(start))
	}
}

// TestClaimedWKBCounts: a row whose geometry claims 2³¹ points, or nests
// 30 collections each claiming as many members as the 1 MB left could
// hold, fails naming the file, the row and the count, without allocating
// for the claims (the nested one took 53 MB before).
func TestClaimedWKBCounts(t *testing.T) {
	nested := func() []byte {
		const size = 1 << 20
		var w []byte
		for range 30 {
			w = append(w, 1, 7, 0, 0, 0)
			w = binary.LittleEndian.AppendUint32(w, uint32((size-len(w)-4)/9))
		}
		return append(w, make([]byte, size-len(w))...)
	}
	for _, tc := range []struct {
		name string
		wkb  []byte
		want string
	}{
		{"2³¹ points", []byte{1, 2, 0, 0, 0, 0, 0, 0, 0x80}, "row 3: invalid GeoPackage geometry: wkb: count 2147483648 exceeds data (0 bytes left, 16 at least each)"},
		{"nested collections", nested(), "row 3: invalid GeoPackage geometry: wkb: unsupported geometry type 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := makeGPKG(t, `CREATE TABLE parks (fid INTEGER PRIMARY KEY, geom BLOB)`,
				`INSERT INTO parks VALUES (3, x'`+hexString(gpBlob(tc.wkb))+`')`)
			err, took, alloc := readMeasured(t, path)
			if err == nil || !strings.HasPrefix(err.Error(), path+": ") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one naming the file and %q", err, tc.want)
			}
			if took > time.Second || alloc > 3*uint64(len(tc.wkb))+(8<<20) {
				t.Errorf("took %v, allocated %d MiB", took, alloc>>20)
			}
		})
	}
}

// gpBlob is a GeoPackage geometry blob: the 8-byte header without an
// envelope, then wkb.
func gpBlob(wkb []byte) []byte {
	return append([]byte{'G', 'P', 0, 1, 0xe6, 0x10, 0, 0}, wkb...)
}

// TestEmptyPoint: a row whose geometry is an empty point (WKB NaN, NaN) or
// has one NaN coordinate fails the file with an error naming the file, the
// row and the reason (it did before, as a coordinate "not plausible").
func TestEmptyPoint(t *testing.T) {
	nan := math.Float64bits(math.NaN())
	for _, tc := range []struct {
		name string
		x, y uint64
		want string
	}{{"empty", nan, nan, "empty point"}, {"no latitude", math.Float64bits(104.06), nan, "coordinate [104.06 NaN] is not a number"}} {
		t.Run(tc.name, func(t *testing.T) {
			wkb := []byte{1, 1, 0, 0, 0}
			wkb = binary.LittleEndian.AppendUint64(wkb, tc.x)
			wkb = binary.LittleEndian.AppendUint64(wkb, tc.y)
			g, _, err := gpkg.DecodeGeometry(gpBlob(wkb))
			if err != nil {
				t.Fatal(err)
			}
			if p, ok := g.(orb.Point); !ok || !math.IsNaN(p[1]) {
				t.Fatalf("decoded %v", g)
			}
			path := makeGPKG(t, `CREATE TABLE parks (fid INTEGER PRIMARY KEY, geom BLOB)`,
				`INSERT INTO parks VALUES (7, x'`+hexString(gpBlob(wkb))+`')`)
			_, _, err = ReadFile(context.Background(), path, Options{Layer: geo.Waste})
			if err == nil || !strings.HasPrefix(err.Error(), path+": ") || !strings.Contains(err.Error(), "row 7: "+tc.want) {
				t.Errorf("err = %v, want one naming the file, row 7 and %q", err, tc.want)
			}
		})
	}
}

func hexString(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}
