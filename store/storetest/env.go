package storetest

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
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

// SharedData returns the path of a file of ../shared/data beside the
// repository (the OpenStreetMap extracts). It skips the test when the file
// is absent, unless $CI is set: then it fails.
func SharedData(t testing.TB, name string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("repository root (go.mod) not found")
		}
		dir = parent
	}
	p := filepath.Join(dir, "..", "shared", "data", name)
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s: %v (required when $CI is set)", p, err)
		}
		t.Skipf("%s not available: %v", p, err)
	}
	return p
}
