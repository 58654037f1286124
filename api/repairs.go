package api

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/greenreach/greenreach/geo/repair"
)

// validator returns the Validator of one request's features: GEOS repairs
// within the request's budget of crossings and vertices, each taking a
// turn in the repair pool for no longer than the request's deadline.
func (s *Server) validator(ctx context.Context) *repair.Validator {
	v := repair.NewValidator()
	v.MaxCrossings, v.MaxVertices, v.Shared = s.cfg.RepairCrossings, cmp.Or(s.cfg.RepairVertices, defaultRepairVertices), true
	v.Gate = func() (func(), error) {
		release, e := s.repairs.acquire(ctx)
		if e != nil {
			return nil, errors.New(e.Detail)
		}
		return release, nil
	}
	return v
}

// fixRefused is the answer to a feature Fix refused: 503 when no repair
// could start, else 422 with the reason (which names any limit).
func (s *Server) fixRefused(title, which, reason string) *appError {
	if reason == repair.ReasonBusy {
		return s.repairs.busy(fmt.Sprintf("%s: no GEOS repair could start: %d run at once", which, cap(s.repairs.slots)))
	}
	return &appError{Status: http.StatusUnprocessableEntity, Title: title, Detail: which + ": " + reason}
}
