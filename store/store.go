// Package store defines where greenreach keeps its layers: the Store
// interface that the PostGIS store (store/postgis, the system of record for
// deployments) and the embedded GeoPackage store (store/gpkg, the default)
// both implement, and the contract they share (store/storetest).
package store

import (
	"context"
	"errors"
	"time"

	"github.com/greenreach/greenreach/geo"
)

var (
	// ErrNotFound: no feature with that layer and id.
	ErrNotFound = errors.New("feature not found")
	// ErrConflict: a Put carried a Version that is not the stored one.
	ErrConflict = errors.New("version conflict")
	// ErrUnavailable: the store cannot be reached (wraps the cause).
	ErrUnavailable = errors.New("store unavailable")
)

// LayerInfo summarises one layer (geo.LayerInfo: the index, below the
// store, summarises its layers the same way).
type LayerInfo = geo.LayerInfo

// Store is a set of layers (geo.Schemas) kept durably.
type Store interface {
	// Kind is "gpkg" or "postgis".
	Kind() string
	// Layers returns every layer of geo.Schemas, in that order, empty ones
	// included.
	Layers(ctx context.Context) ([]LayerInfo, error)
	// Scan calls fn for every feature of a layer in id order; an error from
	// fn stops the scan and is returned.
	Scan(ctx context.Context, layer string, fn func(*geo.Feature) error) error
	// Get returns one feature or ErrNotFound.
	Get(ctx context.Context, layer string, id int64) (*geo.Feature, error)
	// Write runs fn in one transaction: it commits when fn returns nil and
	// rolls back otherwise, leaving the store exactly as it was. Every
	// layer touched gets its version raised by one. The Changes say what
	// was committed, for the in-memory index.
	Write(ctx context.Context, fn func(Tx) error) (*Changes, error)
	// Ping checks the store answers.
	Ping(ctx context.Context) error
	Close() error
	Scenarios
	Tokens
	Cases
	Units
	Survey
}

// Tx is a write transaction.
type Tx interface {
	// Put validates each feature (geo.Prepare) and writes it: a feature
	// with ID 0 replaces the stored feature of the same layer, Source and
	// SourceID, or is inserted with a new id; a feature with an ID replaces
	// that feature (ErrNotFound if none). A non-zero Version must equal the
	// stored version (ErrConflict otherwise). Put sets ID, Version (1 on
	// insert, stored+1 on replace) and Updated on each feature; when the
	// Write then rolls back those fields describe nothing stored, so a
	// retry must start from the caller's original features.
	Put(ctx context.Context, feats []*geo.Feature) error
	// Delete removes one feature or returns ErrNotFound.
	Delete(ctx context.Context, layer string, id int64) error
	// DeleteSource removes every feature of a layer from a source whose
	// SourceID is not in keep, returning their ids (for re-imports).
	DeleteSource(ctx context.Context, layer, source string, keep map[string]bool) ([]int64, error)
	// CommitScenario marks a scenario at version ifVersion committed by
	// who, in this transaction: the edits put here and the mark land
	// together or not at all (ErrConflict, ErrNotFound, ErrCommitted).
	CommitScenario(ctx context.Context, id, ifVersion int64, who string) error
	// AppendSurvey appends survey history entries (CheckSurvey) in this
	// transaction, stamped with its time, setting each entry's ID and At:
	// the features put here and their history land together or not at all.
	AppendSurvey(ctx context.Context, es []*SurveyEntry) error
}

// Changes is what one committed Write did.
type Changes struct {
	Put      []*geo.Feature     // features written, with ID, Version, Updated set
	Deleted  map[string][]int64 // layer → ids removed
	Versions map[string]int64   // layer → its new version, for layers touched
	Updated  time.Time
}

// Touched reports whether the changes touch a layer.
func (c *Changes) Touched(layer string) bool {
	_, ok := c.Versions[layer]
	return ok
}

// Recorder collects Changes inside a transaction; store implementations
// embed it and call its methods as they write.
type Recorder struct {
	C Changes
}

// NewRecorder starts recording a transaction stamped at now.
func NewRecorder(now time.Time) *Recorder {
	return &Recorder{C: Changes{Deleted: map[string][]int64{}, Versions: map[string]int64{}, Updated: now}}
}

// Touch marks a layer as written.
func (r *Recorder) Touch(layer string) {
	if _, ok := r.C.Versions[layer]; !ok {
		r.C.Versions[layer] = 0 // filled with the new version at commit
	}
}

// Put records written features.
func (r *Recorder) Put(fs []*geo.Feature) {
	for _, f := range fs {
		r.Touch(f.Layer)
	}
	r.C.Put = append(r.C.Put, fs...)
}

// Delete records removed ids.
func (r *Recorder) Delete(layer string, ids ...int64) {
	if len(ids) == 0 {
		return
	}
	r.Touch(layer)
	r.C.Deleted[layer] = append(r.C.Deleted[layer], ids...)
}

// Now returns a transaction timestamp: UTC, truncated to milliseconds so it
// survives every store's round trip unchanged.
func Now() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }
