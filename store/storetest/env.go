package storetest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

var schemaSeq atomic.Int64

// PostGISURL returns the throwaway PostGIS of the test run
// ($GREENREACH_TEST_PG, which `make test` sets) with schema=PREFIX_N, a new
// schema, or without a schema when prefix is "". Without the variable the
// test is skipped — or fails when $GREENREACH_REQUIRE_POSTGIS says PostGIS
// tests must run (CI).
func PostGISURL(t testing.TB, prefix string) string {
	t.Helper()
	base := os.Getenv("GREENREACH_TEST_PG")
	if base == "" {
		if os.Getenv("GREENREACH_REQUIRE_POSTGIS") != "" {
			t.Fatal("GREENREACH_TEST_PG is not set but GREENREACH_REQUIRE_POSTGIS is: PostGIS tests must run")
		}
		t.Skip("GREENREACH_TEST_PG not set (make test starts a throwaway PostGIS)")
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("GREENREACH_TEST_PG: %v", err)
	}
	q := u.Query()
	q.Del("schema")
	if prefix != "" {
		q.Set("schema", fmt.Sprintf("%s_%d_%d", prefix, time.Now().UnixNano()%1e9, schemaSeq.Add(1)))
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// PostGISSchema is PostGISURL(t, prefix) with its new schema dropped when
// the test ends, after every cleanup registered later (a store on it
// closes first).
func PostGISSchema(t testing.TB, prefix string) string {
	t.Helper()
	dsn := PostGISURL(t, prefix)
	u, _ := url.Parse(dsn)
	schema := u.Query().Get("schema")
	base := PostGISURL(t, "")
	t.Cleanup(func() {
		if conn, err := pgx.Connect(context.Background(), base); err == nil {
			conn.Exec(context.Background(), "DROP SCHEMA IF EXISTS "+schema+" CASCADE")
			conn.Close(context.Background())
		}
	})
	return dsn
}

// SharedData returns the path of an OpenStreetMap extract the repository
// carries in testdata/osm (see its README for the licence). The file is part
// of every clone, so its absence fails the test instead of skipping it.
func SharedData(t testing.TB, name string) string {
	t.Helper()
	root, err := RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(root, "testdata", "osm", name)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("test data %s: %v", name, err)
	}
	return p
}

// RepoRoot returns the repository's root: the nearest directory above the
// working directory (a test's package directory) holding go.mod.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("repository root (go.mod) not found above the working directory")
		}
		dir = parent
	}
}
