package web

import (
	"net/http/httptest"
	"testing"

	"github.com/greenreach/greenreach/store"
)

// TestNeedWithCaseRoles: a need of a rung and case roles beside it
// ("planner|dispatcher") lets the rung and above and those roles through,
// and its refusals name it in words.
func TestNeedWithCaseRoles(t *testing.T) {
	need := store.RolePlanner + "|" + store.RoleDispatcher
	for role, want := range map[string]bool{
		store.RolePublic: false, store.RoleInspector: false, store.RoleUnit: false,
		store.RoleDispatcher: true, store.RolePlanner: true, store.RoleAuditor: true, store.RoleAdmin: true,
	} {
		if got := (Caller{Role: role, Bearer: true}).Allowed(need); got != want {
			t.Errorf("%s allowed %s: %v, want %v", role, need, got, want)
		}
	}
	// A plain rung is as before: a case role ranks as the public.
	if (Caller{Role: store.RoleDispatcher}).Allowed(store.RolePlanner) {
		t.Error("a dispatcher passes as a planner")
	}
	e := (Caller{Role: store.RoleUnit, Bearer: true}).Need(httptest.NewRecorder(), need, "layer zones")
	if e == nil || e.Status != 403 || e.Detail != "layer zones needs role planner or higher, or dispatcher; this token is unit" {
		t.Errorf("a unit's refusal: %+v", e)
	}
}
