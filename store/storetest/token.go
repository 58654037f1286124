package storetest

import (
	"errors"
	"testing"

	"github.com/greenreach/greenreach/store"
)

// testTokens: tokens are found by hash until revoked; lists carry no
// hashes; they survive a reopen.
func testTokens(t *testing.T, open Opener) {
	s := mustOpen(t, open)
	c := ctx(t)
	a := &store.Token{Name: "alice", Role: store.RolePlanner, Hash: "aa11"}
	b := &store.Token{Name: "bob", Role: store.RoleAdmin, Hash: "bb22"}
	u := &store.Token{Name: "东湖养护", Role: store.RoleUnit, Unit: "U01", Hash: "cc33"}
	for _, tk := range []*store.Token{a, b, u} {
		if err := s.CreateToken(c, tk); err != nil || tk.ID == 0 {
			t.Fatalf("create: %v %+v", err, tk)
		}
	}
	if err := s.CreateToken(c, &store.Token{Name: "dup", Role: store.RoleAdmin, Hash: "aa11"}); err == nil {
		t.Error("two tokens with one hash")
	}
	got, err := s.TokenByHash(c, "aa11")
	if err != nil || got.Name != "alice" || got.Role != store.RolePlanner {
		t.Fatalf("by hash: %+v %v", got, err)
	}
	if got, err := s.TokenByHash(c, "cc33"); err != nil || got.Role != store.RoleUnit || got.Unit != "U01" || got.Name != u.Name {
		t.Fatalf("unit token by hash: %+v %v", got, err)
	}
	if _, err := s.TokenByHash(c, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown hash: %v", err)
	}
	if err := s.RevokeToken(c, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.TokenByHash(c, "aa11"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("revoked token still found: %v", err)
	}
	if err := s.RevokeToken(c, 9999); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("revoke missing: %v", err)
	}
	s.Close()
	s = mustOpen(t, open)
	list, err := s.ListTokens(c)
	if err != nil || len(list) != 3 || list[0].Revoked == nil || list[1].Revoked != nil || list[0].Hash != "" || list[2].Unit != "U01" || list[0].Unit != "" {
		t.Errorf("list after reopen: %+v %v", list, err)
	}
}
