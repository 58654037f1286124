package gpkg

import (
	"context"
	"database/sql"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/greenreach/greenreach/store"
)

// TestTokensNotALayer: the token table is not registered in gpkg_contents,
// so GIS clients (QGIS, GDAL) do not offer it as a layer; a store made
// before that loses the registration when opened, keeping its tokens.
func TestTokensNotALayer(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.gpkg")
	sampleStore(t, path, 0)
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateToken(ctx, &store.Token{Name: "alice", Role: store.RoleAdmin, Hash: strings.Repeat("ab", 32)}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	registered := func() (n int, ver string) {
		t.Helper()
		db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if err := db.QueryRow(`SELECT count(*) FROM gpkg_contents WHERE table_name = 'gr_tokens'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow(`SELECT value FROM gr_meta WHERE key = 'schema_version'`).Scan(&ver); err != nil {
			t.Fatal(err)
		}
		return n, ver
	}
	if n, _ := registered(); n != 0 {
		t.Errorf("a new store registers gr_tokens in gpkg_contents")
	}
	ogrinfo := requireTool(t, "ogrinfo")
	out, err := exec.Command(ogrinfo, "-ro", "-q", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ogrinfo: %v\n%s", err, out)
	}
	if strings.Contains(string(out), "gr_tokens") || !strings.Contains(string(out), "parcels") {
		t.Errorf("GDAL's layer list:\n%s", out)
	}

	// The file as the migration before this one left it.
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range []string{
		`INSERT INTO gpkg_contents (table_name, data_type, identifier, description) VALUES ('gr_tokens', 'attributes', 'greenreach API tokens', 'API tokens: name, role and the SHA-256 of the secret')`,
		`UPDATE gr_meta SET value = '4' WHERE key = 'schema_version'`,
	} {
		if _, err := db.Exec(st); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	if n, ver := registered(); n != 1 || ver != "4" {
		t.Fatalf("setup: %d %s", n, ver)
	}
	s, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	toks, err := s.ListTokens(ctx)
	if err != nil || len(toks) != 1 || toks[0].Name != "alice" {
		t.Errorf("tokens after the migration: %v %v", toks, err)
	}
	if n, ver := registered(); n != 0 || ver != strconv.Itoa(schemaVersion) {
		t.Errorf("after opening a version 4 store: %d gr_tokens rows in gpkg_contents, schema version %s", n, ver)
	}
}
