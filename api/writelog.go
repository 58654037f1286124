package api

import (
	"net/http"

	"github.com/greenreach/greenreach/api/web"
)

// logWrite logs one line for a write that succeeded (an import, a
// scenario's creation, change, deletion or commit), naming the token that
// made it ("anonymous" without one), its role and the request's id.
func (s *Server) logWrite(r *http.Request, msg string, args ...any) {
	c := callerOf(r)
	name := c.Name
	if !c.Bearer {
		name = "anonymous"
	}
	s.log.InfoContext(r.Context(), msg, append([]any{"token", name, "role", c.Role, "request_id", web.RequestID(r.Context())}, args...)...)
}
