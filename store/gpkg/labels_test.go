package gpkg

import (
	"context"
	"database/sql"
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

// readLabels reads a layer's gpkg_contents identifier and description and
// its gpkg_data_columns rows, from the file as another reader sees it.
func readLabels(path string) storetest.LabelReader {
	return func(ctx context.Context, _ store.Store, layer string) (string, map[string]string, error) {
		db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
		if err != nil {
			return "", nil, err
		}
		defer db.Close()
		var id, desc string
		if err := db.QueryRowContext(ctx, `SELECT identifier, description FROM gpkg_contents WHERE table_name = ?`, layer).Scan(&id, &desc); err != nil {
			return "", nil, err
		}
		rows, err := db.QueryContext(ctx, `SELECT column_name, name, title, description FROM gpkg_data_columns WHERE table_name = ?`, layer)
		if err != nil {
			return "", nil, err
		}
		defer rows.Close()
		cols := map[string]string{}
		for rows.Next() {
			var c, name, title, d string
			if err := rows.Scan(&c, &name, &title, &d); err != nil {
				return "", nil, err
			}
			cols[c] = name + "\n" + title + "\n" + d
		}
		return id + "\n" + desc, cols, rows.Err()
	}
}

func TestLabels(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.gpkg")
	storetest.Labels(t, func() (store.Store, error) { return Open(context.Background(), path) }, readLabels(path))
}

// TestLabelsMigrated: a store from before the labels (schema version 5)
// gets them when opened, its features untouched, and the schema
// extension registered once; a table the user added under a layer's
// Chinese title keeps it.
func TestLabelsMigrated(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.gpkg")
	sampleStore(t, path, 0)
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	// The file as migration 5 left it, plus a user's table titled 道路与步道.
	stmts := []string{
		`DROP TABLE gpkg_data_columns`, `DROP TABLE gpkg_data_column_constraints`,
		`DELETE FROM gpkg_extensions WHERE extension_name = 'gpkg_schema'`,
		`CREATE TABLE notes (id INTEGER PRIMARY KEY, note TEXT)`,
		`INSERT INTO gpkg_contents (table_name, data_type, identifier, description) VALUES ('notes', 'attributes', '道路与步道', 'a user''s notes')`,
		`UPDATE gr_meta SET value = '5' WHERE key = 'schema_version'`,
	}
	for _, sc := range geo.Schemas {
		stmts = append([]string{`UPDATE gpkg_contents SET identifier = ` + lit(sc.Title) + `, description = '' WHERE table_name = ` + lit(sc.ID)}, stmts...)
	}
	for _, st := range stmts {
		if _, err := db.Exec(st); err != nil {
			t.Fatalf("%s: %v", st, err)
		}
	}
	undoCases(t, db)
	db.Close()
	before := map[string]int{}
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range geo.Schemas {
		table, cols, err := readLabels(path)(ctx, s, sc.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantTitle := sc.TitleZH
		if sc.ID == geo.Roads {
			wantTitle = sc.Title // the user's table holds 道路与步道
		}
		if !strings.HasPrefix(table, wantTitle+"\n"+sc.TitleZH+"：") || len(cols) != len(sc.Columns()) {
			t.Errorf("%s after migration: %q, %d column labels", sc.ID, table, len(cols))
		}
		n := 0
		s.Scan(ctx, sc.ID, func(*geo.Feature) error { n++; return nil })
		before[sc.ID] = n
		want := len(samplePlaces)
		if sc.ID == geo.Zones {
			want = 0 // a layer added after the labels starts empty
		}
		if n != want {
			t.Errorf("%s: %d features after migration, want %d", sc.ID, n, want)
		}
	}
	s.Close()
	db, err = sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var ext int
	var ver, note string
	if err := db.QueryRow(`SELECT (SELECT count(*) FROM gpkg_extensions WHERE extension_name = 'gpkg_schema'),
		(SELECT value FROM gr_meta WHERE key = 'schema_version'), (SELECT identifier FROM gpkg_contents WHERE table_name = 'notes')`).Scan(&ext, &ver, &note); err != nil {
		t.Fatal(err)
	}
	if ext != 2 || ver != strconv.Itoa(schemaVersion) || note != "道路与步道" {
		t.Errorf("after migration: %d gpkg_schema rows (want 2), schema version %s, the user's table titled %q", ext, ver, note)
	}
}

// TestGDALReadsLabels: GDAL reads the layer titles and descriptions as the
// layers' IDENTIFIER and DESCRIPTION, and the Chinese aliases from
// gpkg_data_columns. GDAL 3.7 and later, and QGIS through it, show those
// as the fields' alternative names (aliases); this machine's GDAL (3.6)
// predates that, so the rows are read with ogrinfo's SQL.
func TestGDALReadsLabels(t *testing.T) {
	ogrinfo := requireTool(t, "ogrinfo")
	path := filepath.Join(t.TempDir(), "s.gpkg")
	sampleStore(t, path, 0)
	for _, sc := range geo.Schemas {
		out, err := exec.Command(ogrinfo, "-ro", "-so", path, sc.ID).CombinedOutput()
		if err != nil {
			t.Fatalf("ogrinfo: %v\n%s", err, out)
		}
		for _, want := range []string{"\n  IDENTIFIER=" + sc.TitleZH + "\n", "\n  DESCRIPTION=" + sc.Comment() + "\n"} {
			if !strings.Contains(string(out), want) {
				t.Errorf("ogrinfo %s lacks %q:\n%s", sc.ID, want, out)
			}
		}
	}
	out, err := exec.Command(ogrinfo, "-ro", "-q", "-sql", "SELECT table_name || '.' || column_name AS col, name FROM gpkg_data_columns", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ogrinfo: %v\n%s", err, out)
	}
	// Each row: "  col (String) = green.name" then "  name (String) = 名称".
	row := regexp.MustCompile(`(?m)^\s*col \(String\) = (\S+)\n\s*name \(String\) = (.+)$`)
	got := map[string]string{}
	for _, m := range row.FindAllStringSubmatch(string(out), -1) {
		got[m[1]] = m[2]
	}
	n := 0
	for _, sc := range geo.Schemas {
		for _, c := range sc.Columns() {
			n++
			if g := got[sc.ID+"."+c.Name]; g != c.Alias.ZH {
				t.Errorf("GDAL reads %s.%s's alias as %q, want %q", sc.ID, c.Name, g, c.Alias.ZH)
			}
		}
	}
	if len(got) != n {
		t.Errorf("GDAL reads %d aliases, want %d:\n%s", len(got), n, out)
	}
}
