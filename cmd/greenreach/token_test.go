package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/store/open"
)

// TestTokenCommands: create prints the secret once and stores only its
// hash; list shows it; revoke ends it; mistakes exit 2 or 1 with a message.
func TestTokenCommands(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "t.gpkg")
	code, out, errs := runCLI(t, ctx, "--db", db, "token", "create", "--name", "alice", "--role", "planner")
	secret := strings.TrimSpace(out)
	if code != 0 || !strings.HasPrefix(secret, "gr_") || len(secret) < 40 || !strings.Contains(errs, "shown only now") {
		t.Fatalf("create: %d %q %q", code, out, errs)
	}
	st, err := open.Store(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	tk, err := st.TokenByHash(ctx, store.HashToken(secret))
	st.Close()
	if err != nil || tk.Name != "alice" || tk.Role != "planner" || tk.Hash == secret {
		t.Fatalf("stored: %+v %v", tk, err)
	}
	if code, out, _ := runCLI(t, ctx, "--db", db, "token", "create", "--name", "alice", "--role", "planner", "--if-none"); code != 0 || out != "" {
		t.Errorf("--if-none made another: %d %q", code, out)
	}
	code, out, _ = runCLI(t, ctx, "--db", db, "token", "list", "--json")
	var list []struct {
		ID      int64
		Name    string
		Revoked *string
	}
	if err := json.Unmarshal([]byte(out), &list); code != 0 || err != nil || len(list) != 1 || list[0].Name != "alice" || strings.Contains(out, secret) {
		t.Fatalf("list: %d %v %s", code, err, out)
	}
	if code, _, errs := runCLI(t, ctx, "--db", db, "token", "revoke", "1"); code != 0 || !strings.Contains(errs, "revoked") {
		t.Errorf("revoke: %d %s", code, errs)
	}
	if _, out, _ := runCLI(t, ctx, "--db", db, "token", "list"); !strings.Contains(out, "alice") || strings.Count(out, "\n") != 2 || strings.HasSuffix(strings.TrimSpace(out), "-") {
		t.Errorf("list after revoke:\n%s", out)
	}
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"token"}, 2, "want create, list or revoke"},
		{[]string{"token", "make"}, 2, "want create"},
		{[]string{"token", "create", "--name", "bob", "--role", "god"}, 2, "--role"},
		{[]string{"token", "create", "--role", "admin"}, 2, "--name is required"},
		{[]string{"token", "revoke", "x"}, 2, "not a token id"},
		{[]string{"token", "create", "--name", "u", "--role", "unit"}, 2, "--role unit needs --unit"},
		{[]string{"token", "create", "--name", "u", "--role", "unit", "--unit", "U 01"}, 2, "--role unit needs --unit"},
		{[]string{"token", "create", "--name", "p", "--role", "planner", "--unit", "U01"}, 2, "--unit is only for --role unit"},
		{[]string{"token", "revoke", "99"}, 1, "no token 99"},
	} {
		code, _, errs := runCLI(t, ctx, append([]string{"--db", db}, c.args...)...)
		if code != c.code || !strings.Contains(errs, c.msg) {
			t.Errorf("%v: %d %q, want %d %q", c.args, code, errs, c.code, c.msg)
		}
	}
}

// TestTokenUnit: a unit token is stored with its unit, and listed with it.
func TestTokenUnit(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "t.gpkg")
	code, out, errs := runCLI(t, ctx, "--db", db, "token", "create", "--name", "东湖养护", "--role", "unit", "--unit", "U01")
	secret := strings.TrimSpace(out)
	if code != 0 || !strings.Contains(errs, "unit U01") {
		t.Fatalf("create: %d %q %q", code, out, errs)
	}
	for _, role := range []string{"inspector", "dispatcher"} {
		if code, _, errs := runCLI(t, ctx, "--db", db, "token", "create", "--name", role, "--role", role); code != 0 {
			t.Fatalf("create %s: %d %s", role, code, errs)
		}
	}
	st, err := open.Store(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	tk, err := st.TokenByHash(ctx, store.HashToken(secret))
	st.Close()
	if err != nil || tk.Role != store.RoleUnit || tk.Unit != "U01" {
		t.Fatalf("stored: %+v %v", tk, err)
	}
	_, out, _ = runCLI(t, ctx, "--db", db, "token", "list", "--json")
	var list []struct{ Name, Role, Unit string }
	if err := json.Unmarshal([]byte(out), &list); err != nil || len(list) != 3 || list[0].Unit != "U01" || list[1].Unit != "" || list[2].Role != "dispatcher" {
		t.Fatalf("list: %v %s", err, out)
	}
}
