package store

import (
	"context"
	"errors"
	"time"
)

// ErrCommitted: the scenario was committed into the baseline and is now
// read-only.
var ErrCommitted = errors.New("scenario already committed")

// Scenario is a named draft of edits on top of the baseline, versioned so
// that concurrent writers cannot lose each other's work.
type Scenario struct {
	ID     int64
	Name   string
	Author string
	// Owner may change and delete the scenario (besides admins): the name
	// of the token that created it. Empty for a scenario created without
	// a token, or before owners were kept: then only admins may.
	Owner   string
	Version int64  // 1 when created, one more on every update
	Edits   []byte // a GeoJSON FeatureCollection of edits (see package scenario)
	Created time.Time
	Updated time.Time
	// Committed is set once the scenario went into the baseline, by whom.
	Committed   *time.Time
	CommittedBy string
}

// Scenarios keeps scenarios beside the layers.
type Scenarios interface {
	// ListScenarios returns every scenario, newest first, without Edits.
	ListScenarios(ctx context.Context) ([]Scenario, error)
	// GetScenario returns one scenario or ErrNotFound.
	GetScenario(ctx context.Context, id int64) (*Scenario, error)
	// CreateScenario stores a new scenario with its Owner, setting its ID,
	// Version (1), Created and Updated. The owner never changes.
	CreateScenario(ctx context.Context, s *Scenario) error
	// UpdateScenario replaces the name and edits of scenario s.ID if its
	// stored version is ifVersion (ErrConflict otherwise, ErrNotFound when
	// it does not exist, ErrCommitted once committed), raising the version
	// by one and setting s.Version and s.Updated. The check and the write
	// are one statement, so of two concurrent updates from the same
	// version exactly one succeeds.
	UpdateScenario(ctx context.Context, s *Scenario, ifVersion int64) error
	// DeleteScenario removes a scenario at version ifVersion.
	DeleteScenario(ctx context.Context, id, ifVersion int64) error
}
