// Package survey edits the survey record (普查) of a green space: its
// maintenance grade (养护等级), responsible unit (责任单位), tree count
// (乔木株数) and shrub and lawn areas. An edit is checked against the
// green space it changes, written as the feature's next version through
// the live index (so queries and tiles follow at once) and recorded, field
// by field, in the store's append-only survey history in the same
// transaction: who, when, old → new, and a note.
package survey

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/greenreach/greenreach/geo"
	"github.com/greenreach/greenreach/live"
	"github.com/greenreach/greenreach/store"
)

// Fields are the attributes of the green layer a survey edits, in the
// order of the layer's schema.
var Fields = []string{"grade", "unit", "trees", "shrub_m2", "lawn_m2"}

// Editors are the roles that may survey: inspectors, planners and admins
// every field of every green space, a unit's token as UnitFields says.
var Editors = []string{store.RoleInspector, store.RolePlanner, store.RoleAdmin, store.RoleUnit}

// UnitFields are the fields a unit's token may survey on its own green
// spaces: what it counts on the ground. The grade and the unit itself
// are the bureau's to set.
var UnitFields = []string{"trees", "shrub_m2", "lawn_m2"}

// Limits of an edit.
const (
	MaxTrees    = 1_000_000 // trees in one green space
	MaxNote     = 500       // characters of an edit's note
	MaxHistory  = 1000      // entries one History returns
	gradeFirst  = 1         // 一级养护, the highest
	gradeLast   = 3
	measureSlop = 1e-6 // m² of rounding allowed over the green space's area
)

var (
	// ErrForbidden: the actor may not make this edit.
	ErrForbidden = errors.New("not allowed")
)

// InputError is an edit refused for its content; Field names the field
// at fault ("" for the edit as a whole).
type InputError struct {
	Field string
	Msg   string
}

func (e *InputError) Error() string {
	if e.Field == "" {
		return e.Msg
	}
	return e.Field + ": " + e.Msg
}

func inputErr(field, format string, args ...any) error {
	return &InputError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// Actor is who edits: a token's name and role, and for a unit's token its
// unit.
type Actor struct {
	Name, Role, Unit string
}

// Change sets one field: Value is an int64 (grade, trees), a float64
// (shrub_m2, lawn_m2), a string (unit) or nil to clear it.
type Change struct {
	Field string
	Value any
}

// Edit is a set of changes to one green space's survey, with a note.
type Edit struct {
	Changes []Change
	Note    string
}

// Service applies survey edits to the store through the live index.
type Service struct {
	Store store.Store
	Index *live.Index
}

// Result is an applied edit: the green space as written and the history
// entries appended (none when the edit changed nothing; then Feature is
// the stored one, unwritten).
type Result struct {
	Feature *geo.Feature
	Entries []store.SurveyEntry
}

// Apply applies an edit to green space id, whose stored version must be
// ifVersion (store.ErrConflict otherwise; store.ErrNotFound when there is
// none). Every change is checked first: nothing is written unless all
// pass. The feature's version check and write and the history are one
// transaction, so of two edits from the same version exactly one lands.
func (s *Service) Apply(ctx context.Context, a Actor, id, ifVersion int64, e Edit) (*Result, error) {
	if err := checkEdit(e); err != nil {
		return nil, err
	}
	f, err := s.Store.Get(ctx, geo.Green, id)
	if err != nil {
		return nil, err
	}
	if err := may(a, f, e); err != nil {
		return nil, err
	}
	if f.Version != ifVersion {
		return nil, fmt.Errorf("green space %d is at version %d, not %d: %w", id, f.Version, ifVersion, store.ErrConflict)
	}
	if err := s.checkValues(ctx, f, e); err != nil {
		return nil, err
	}
	next := *f
	next.Props = f.AttrMap() // the index's features keep theirs packed
	var entries []*store.SurveyEntry
	for _, c := range e.Changes {
		old, nv := Text(f.Value(c.Field)), Text(c.Value)
		if old == nv {
			continue
		}
		if c.Value == nil {
			delete(next.Props, c.Field)
		} else {
			next.Props[c.Field] = c.Value
		}
		entries = append(entries, &store.SurveyEntry{Layer: geo.Green, FeatureID: id, Version: ifVersion + 1, Field: c.Field,
			Old: old, New: nv, Who: a.Name, Role: a.Role, Note: e.Note})
	}
	if len(entries) == 0 {
		return &Result{Feature: f}, nil
	}
	// Put checks next.Version against the stored one inside the write.
	next.Version = ifVersion
	_, err = s.Index.Write(ctx, s.Store, func(tx store.Tx) error {
		if err := tx.Put(ctx, []*geo.Feature{&next}); err != nil {
			return err
		}
		return tx.AppendSurvey(ctx, entries)
	})
	if err != nil {
		return nil, err
	}
	out := &Result{Feature: &next, Entries: make([]store.SurveyEntry, len(entries))}
	for i, en := range entries {
		out.Entries[i] = *en
	}
	return out, nil
}

// History is a green space's survey history, newest first, at most limit
// entries (MaxHistory when 0 or more); store.ErrNotFound when there is no
// such green space.
func (s *Service) History(ctx context.Context, id int64, limit int) ([]store.SurveyEntry, error) {
	if _, err := s.Store.Get(ctx, geo.Green, id); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > MaxHistory {
		limit = MaxHistory
	}
	return s.Store.SurveyHistory(ctx, geo.Green, id, limit)
}

// checkEdit checks what needs no green space: known fields, each once,
// values of the field's type within the fixed bounds, a note within
// MaxNote.
func checkEdit(e Edit) error {
	if len(e.Changes) == 0 {
		return inputErr("", "no survey field to change (want one or more of %v)", Fields)
	}
	if n := len([]rune(e.Note)); n > MaxNote {
		return inputErr("note", "%d characters, more than %d", n, MaxNote)
	}
	seen := map[string]bool{}
	for _, c := range e.Changes {
		if !slices.Contains(Fields, c.Field) {
			return inputErr(c.Field, "not a survey field (want one of %v)", Fields)
		}
		if seen[c.Field] {
			return inputErr(c.Field, "given twice")
		}
		seen[c.Field] = true
		if c.Value == nil {
			continue
		}
		switch c.Field {
		case "grade":
			v, ok := c.Value.(int64)
			if !ok || v < gradeFirst || v > gradeLast {
				return inputErr(c.Field, "%v: want 1, 2 or 3", c.Value)
			}
		case "trees":
			v, ok := c.Value.(int64)
			if !ok || v < 0 || v > MaxTrees {
				return inputErr(c.Field, "%v: want a whole number from 0 to %d", c.Value, MaxTrees)
			}
		case "shrub_m2", "lawn_m2":
			v, ok := c.Value.(float64)
			if !ok || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
				return inputErr(c.Field, "%v: want square metres, 0 or more", c.Value)
			}
		case "unit":
			v, ok := c.Value.(string)
			if !ok || len(v) > store.MaxUnitID {
				return inputErr(c.Field, "%q: want a unit's id of at most %d bytes", c.Value, store.MaxUnitID)
			}
		}
	}
	return nil
}

// checkValues checks the changes against the green space and the store:
// areas no larger than the green space's own, a unit among the units.
func (s *Service) checkValues(ctx context.Context, f *geo.Feature, e Edit) error {
	area := f.Float("area_m2")
	for _, c := range e.Changes {
		switch v := c.Value.(type) {
		case float64:
			if v > area+measureSlop {
				return inputErr(c.Field, "%g m² is more than the green space's area of %g m²", v, area)
			}
		case string:
			if v == "" {
				continue
			}
			if _, err := s.Store.GetUnit(ctx, v); errors.Is(err, store.ErrNotFound) {
				return inputErr(c.Field, "%q is not a unit (greenreach units)", v)
			} else if err != nil {
				return err
			}
		}
	}
	return nil
}

// may refuses an actor an edit: a role outside Editors anything; a
// unit's token all but the counted fields (UnitFields) of the green
// spaces whose unit it is.
func may(a Actor, f *geo.Feature, e Edit) error {
	if !slices.Contains(Editors, a.Role) {
		return fmt.Errorf("role %q may not survey green spaces (%v may): %w", a.Role, Editors, ErrForbidden)
	}
	if a.Role != store.RoleUnit {
		return nil
	}
	if a.Unit == "" || f.Text("unit") != a.Unit {
		return fmt.Errorf("green space %d is not in the care of unit %s: %w", f.ID, a.Unit, ErrForbidden)
	}
	for _, c := range e.Changes {
		if !slices.Contains(UnitFields, c.Field) {
			return fmt.Errorf("a unit's token may survey %v, not %s: %w", UnitFields, c.Field, ErrForbidden)
		}
	}
	return nil
}

// Text is a survey value as the history keeps it: integers in decimal,
// reals in their shortest decimal form, "" for none.
func Text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	return fmt.Sprint(v)
}

// Value reads a history text back as field's value (nil for ""), for
// answers that show the values typed.
func Value(field, s string) any {
	if s == "" {
		return nil
	}
	fd, ok := geo.SchemaOf(geo.Green).Field(field)
	if !ok {
		return s
	}
	switch fd.Type {
	case geo.Int:
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n
		}
	case geo.Real:
		if x, err := strconv.ParseFloat(s, 64); err == nil {
			return x
		}
	}
	return s
}
