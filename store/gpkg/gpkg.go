// Package gpkg is greenreach's embedded default store: one OGC GeoPackage
// 1.3 file that QGIS and GDAL open as they would any other.
//
// Each layer of geo.Schemas is a feature table named by its layer id (fid,
// geom, source, source_id, version, updated and the typed fields) with the
// GeoPackage RTree spatial index. gr_layers (an attributes table) keeps each
// layer's version and last update, gr_meta the schema version. The file is
// in WAL mode: one writer at a time (Write is serialised), readers run
// concurrently on a pool and see whole commits only.
package gpkg

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/store"
)

// Store is a greenreach store in a GeoPackage file.
type Store struct {
	path   string
	w      *sql.DB // one connection: the writer
	r      *sql.DB // readers
	wmu    sync.Mutex
	closed atomic.Bool
	layers map[string]*layerSQL
	once   sync.Once
	cerr   error
	// rebuilds counts bulk RTree rebuilds, for tests.
	rebuilds atomic.Int64
}

var _ store.Store = (*Store)(nil)

// layerSQL holds one layer's statements.
type layerSQL struct {
	schema  *geo.Schema
	cols    string // select list, in rowScanner order
	selKey  *sql.Stmt
	selID   *sql.Stmt
	ins     *sql.Stmt
	upd     [4]*sql.Stmt // by updGeom|updKey: which of geom and source, source_id are set
	del     *sql.Stmt
	selSrc  *sql.Stmt
	get     *sql.Stmt // on the reader pool
	scanSQL string
}

// Kind returns "gpkg".
func (s *Store) Kind() string { return "gpkg" }

// Path returns the path the store was opened with.
func (s *Store) Path() string { return s.path }

func (s *Store) unavailable(err error) error {
	return fmt.Errorf("gpkg %s: %w: %w", s.path, store.ErrUnavailable, err)
}

var errClosed = errors.New("store closed")

// Ping checks the store answers.
func (s *Store) Ping(ctx context.Context) error {
	if s.closed.Load() {
		return s.unavailable(errClosed)
	}
	var one int
	if err := s.r.QueryRowContext(ctx, `SELECT 1 FROM gr_layers LIMIT 1`).Scan(&one); err != nil {
		return s.unavailable(err)
	}
	return nil
}

// Close closes the store. The last connection to close checkpoints the
// WAL into the file, so other programs find it complete.
func (s *Store) Close() error {
	s.once.Do(func() {
		s.closed.Store(true)
		s.wmu.Lock() // let a running Write finish
		defer s.wmu.Unlock()
		for _, ls := range s.layers {
			for _, st := range append([]*sql.Stmt{ls.selKey, ls.selID, ls.ins, ls.del, ls.selSrc, ls.get}, ls.upd[:]...) {
				if st != nil {
					st.Close()
				}
			}
		}
		if s.r != nil {
			s.cerr = s.r.Close()
		}
		if err := s.w.Close(); err != nil && s.cerr == nil {
			s.cerr = err
		}
	})
	return s.cerr
}

func (s *Store) layer(name string) (*layerSQL, error) {
	ls, ok := s.layers[name]
	if !ok {
		return nil, fmt.Errorf("gpkg: unknown layer %q", name)
	}
	return ls, nil
}
