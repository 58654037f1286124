package storetest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestSharedDataInRepository: every extract listed in testdata/osm/README.md
// is in the repository with the checksum the README gives, and SharedData
// finds it there, not beside the repository.
func TestSharedDataInRepository(t *testing.T) {
	root, err := RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join(root, "testdata", "osm", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`© OpenStreetMap contributors`).Match(readme) || !regexp.MustCompile(`ODbL`).Match(readme) {
		t.Error("testdata/osm/README.md lacks the attribution or the licence")
	}
	rows := regexp.MustCompile(`(?m)^\| (\S+\.osm(?:\.pbf)?) \|.*\| ([0-9a-f]{64}) \|$`).FindAllSubmatch(readme, -1)
	if len(rows) < 3 {
		t.Fatalf("README lists %d extracts, want chengdu.osm, chengdu.osm.pbf and monaco.osm.pbf", len(rows))
	}
	for _, r := range rows {
		name, want := string(r[1]), string(r[2])
		p := SharedData(t, name)
		if rel, err := filepath.Rel(root, p); err != nil || filepath.IsAbs(rel) || rel[:2] == ".." {
			t.Errorf("%s: %s is outside the repository", name, p)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		if got := hex.EncodeToString(sum[:]); got != want {
			t.Errorf("%s: sha256 %s, README says %s", name, got, want)
		}
	}
}

// TestPostGISSchemaDropped: the schema PostGISSchema names is dropped,
// with what it holds, when its test ends; each call names a new one.
func TestPostGISSchemaDropped(t *testing.T) {
	ctx := context.Background()
	base := PostGISURL(t, "")
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	exists := func(schema string) bool {
		var n int
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_namespace WHERE nspname = $1", schema).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n == 1
	}
	var schemas [2]string
	t.Run("inner", func(t *testing.T) {
		for i := range schemas {
			u, err := url.Parse(PostGISSchema(t, "envtest"))
			if err != nil {
				t.Fatal(err)
			}
			schemas[i] = u.Query().Get("schema")
			if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schemas[i]+"; CREATE TABLE "+schemas[i]+".t (x int)"); err != nil {
				t.Fatal(err)
			}
		}
		if schemas[0] == schemas[1] || !exists(schemas[0]) || !exists(schemas[1]) {
			t.Fatalf("schemas %v: want two new ones", schemas)
		}
	})
	if exists(schemas[0]) || exists(schemas[1]) {
		t.Errorf("schemas %v outlive their test", schemas)
	}
}
