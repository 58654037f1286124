package web

import (
	"net/http"
	"strings"

	"github.com/greenreach/greenreach/store"
)

// Roles, from least to most trusted; each has what the ones below have:
// public (anonymous: public layers, no population anywhere), planner
// (+ parcels and coverage, what-ifs, scenarios, suggestions), auditor
// (+ audits), admin (+ commits, metrics). Tokens are managed with
// `greenreach token`. The case roles (inspector, dispatcher, unit) sit
// beside this ladder and rank on it as the public; what they may do with
// cases is package cases's workflow and the api's case routes.
var roleRank = map[string]int{store.RolePublic: 0, store.RolePlanner: 1, store.RoleAuditor: 2, store.RoleAdmin: 3}

// KnownRole reports whether role is one of the roles.
func KnownRole(role string) bool {
	_, ok := roleRank[role]
	return ok
}

// Caller is who makes a request.
type Caller struct {
	Role   string
	Name   string // the token's name; "" for anonymous
	Bearer bool   // a token was sent
	Unit   string // the unit a token of role unit speaks for
}

// Allowed reports whether the caller may act where need is required: a
// role of the ladder (that role or higher), or such a role and case roles
// beside it joined by "|" ("planner|dispatcher": planner or higher, or a
// dispatcher).
func (c Caller) Allowed(need string) bool {
	rung, also, _ := strings.Cut(need, "|")
	if roleRank[c.Role] >= roleRank[rung] {
		return true
	}
	for also != "" {
		var r string
		r, also, _ = strings.Cut(also, "|")
		if c.Role == r {
			return true
		}
	}
	return false
}

// NeedText says a need in words: "planner or higher", "planner or
// higher, or dispatcher".
func NeedText(need string) string {
	rung, also, _ := strings.Cut(need, "|")
	s := rung + " or higher"
	if also != "" {
		s += ", or " + strings.ReplaceAll(also, "|", ", or ")
	}
	return s
}

// Need refuses the caller who may not act where need is required (see
// Allowed): 401 (with a Bearer challenge on w) when no token was sent,
// 403 when the token's role is too low.
func (c Caller) Need(w http.ResponseWriter, need, what string) *Error {
	if c.Allowed(need) {
		return nil
	}
	if !c.Bearer {
		w.Header().Set("WWW-Authenticate", `Bearer realm="greenreach"`)
		return Unauthorized(what + " needs a token of role " + NeedText(need) + " (Authorization: Bearer …)")
	}
	return &Error{Status: http.StatusForbidden, Title: "Forbidden", Detail: what + " needs role " + NeedText(need) + "; this token is " + c.Role}
}
