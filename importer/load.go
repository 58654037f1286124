// Package importer is the part every file importer shares: the Summary of
// what an import read, repaired, skipped and wrote (summary.go); Clean,
// which puts every feature through the geometry check and repair of
// geo/repair before it is written (clean.go); and Load, which writes one
// file's features in a single store transaction (this file).
// Load adds and updates only: it removes the features of the source that
// the file no longer has only when asked to (WithReplace), and never
// touches another source.
//
// An importer reads its whole file first, then calls Clean (or
// repair.Validator.Fix per feature), then Load. A file that cannot be read
// completely is an error before Load is called, so nothing of it is ever
// written.
package importer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/store"
)

// ContentTag is the tag of a file's content that default sources carry
// ("geojson:parks.geojson@1f3a5c7e9b0d"): the first 12 hex digits of the
// SHA-256 of its bytes — for a .shp, of the .shp and its .dbf together,
// since the attributes live there. The same file always gets the same tag,
// so re-importing it updates its features instead of duplicating them, and
// another file with the same name gets another tag, so it never overwrites
// them.
func ContentTag(path string) (string, error) {
	h := sha256.New()
	paths := []string{path}
	if strings.EqualFold(filepath.Ext(path), ".shp") {
		dbf := strings.TrimSuffix(path, filepath.Ext(path)) + ".dbf"
		if _, err := os.Stat(dbf); err == nil {
			paths = append(paths, dbf)
		}
	}
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return "", err
		}
		_, err = io.Copy(h, f)
		f.Close()
		if err != nil {
			return "", fmt.Errorf("%s: %w", p, err)
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:12], nil
}

// Option configures Load.
type Option func(*loadOptions)

type loadOptions struct {
	batch    int
	replace  bool
	progress func(layer string, n int)
}

// WithReplace has Load replace the source: the stored features of the
// source that feats do not have are deleted. Without it Load only adds and
// updates. Callers ask for it only when the user named the source and
// asked for the replace (the CLI's --source and --replace).
func WithReplace() Option {
	return func(o *loadOptions) { o.replace = true }
}

// WithProgress has Load call fn after every batch written, with the batch's
// layer and size.
func WithProgress(fn func(layer string, n int)) Option {
	return func(o *loadOptions) { o.progress = fn }
}

// WithBatchSize sets how many features go to one Tx.Put (default 1000).
func WithBatchSize(n int) Option {
	return func(o *loadOptions) {
		if n > 0 {
			o.batch = n
		}
	}
}

// Load writes feats in one store transaction: it puts every feature (keyed
// by layer, source and source id, so a feature imported before under the
// same source and source id is updated, and features of other sources are
// never touched). Only WithReplace makes it then remove from every layer
// the features of source that are not among feats; without it nothing is
// deleted, not even by an empty file. On any error nothing changes. Load
// stamps source on every feature and ignores any ID or Version they carry;
// features must have distinct (layer, source id). It fills Imported,
// Replaced, Deleted and DeletedIDs of sum (which may be nil) once the
// transaction has committed.
func Load(ctx context.Context, st store.Store, source string, feats []*geo.Feature, sum *Summary, opts ...Option) (*store.Changes, error) {
	o := loadOptions{batch: 1000}
	for _, opt := range opts {
		opt(&o)
	}
	if source == "" {
		return nil, errors.New("importer: load without a source")
	}
	keep := map[string]map[string]bool{}
	byLayer := map[string][]*geo.Feature{}
	for _, f := range feats {
		if geo.SchemaOf(f.Layer) == nil {
			return nil, fmt.Errorf("importer: %s/%s: unknown layer %q", source, f.SourceID, f.Layer)
		}
		if f.SourceID == "" {
			return nil, fmt.Errorf("importer: %s feature of %s without a source id", f.Layer, source)
		}
		k := keep[f.Layer]
		if k == nil {
			k = map[string]bool{}
			keep[f.Layer] = k
		}
		if k[f.SourceID] {
			return nil, fmt.Errorf("importer: %s %s/%s appears twice", f.Layer, source, f.SourceID)
		}
		k[f.SourceID] = true
		f.Source, f.ID, f.Version = source, 0, 0
		byLayer[f.Layer] = append(byLayer[f.Layer], f)
	}
	imported := map[string]int{}
	replaced := map[string]int{}
	deleted := map[string][]int64{}
	ch, err := st.Write(ctx, func(tx store.Tx) error {
		for _, sc := range geo.Schemas {
			fs := byLayer[sc.ID]
			for i := 0; i < len(fs); i += o.batch {
				batch := fs[i:min(i+o.batch, len(fs))]
				if err := tx.Put(ctx, batch); err != nil {
					return err
				}
				for _, f := range batch {
					if f.Version > 1 {
						replaced[sc.ID]++
					}
				}
				imported[sc.ID] += len(batch)
				if o.progress != nil {
					o.progress(sc.ID, len(batch))
				}
			}
		}
		if !o.replace {
			return nil
		}
		for _, sc := range geo.Schemas {
			ids, err := tx.DeleteSource(ctx, sc.ID, source, keep[sc.ID])
			if err != nil {
				return err
			}
			deleted[sc.ID] = slices.Sorted(slices.Values(ids))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if sum != nil {
		sum.Replace = o.replace
		for _, sc := range geo.Schemas {
			l := sum.Layer(sc.ID)
			ids := deleted[sc.ID]
			l.Imported, l.Replaced, l.Deleted = imported[sc.ID], replaced[sc.ID], len(ids)
			l.DeletedIDs = slices.Clone(ids[:min(len(ids), MaxDeletedIDs)])
		}
	}
	return ch, nil
}
