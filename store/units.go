package store

import (
	"context"
	"fmt"
	"slices"
	"time"
	"unicode/utf8"
)

// Unit is a responsible unit (责任单位): who a zone's cases are dispatched
// to. Its ID is the short code zones, cases (Case.Unit) and unit tokens
// name it by.
type Unit struct {
	ID      string // e.g. U01
	Name    string
	Kind    string // one of UnitKinds
	Phone   string // contact phone
	Person  string // contact person
	Updated time.Time
}

// Kinds of unit.
const (
	UnitMaintenance  = "maintenance"   // 养护单位 (a maintenance company)
	UnitStreetOffice = "street_office" // 街道办
	UnitCommunity    = "community"     // 社区
	UnitProperty     = "property"      // 物业 (a property company)
)

// UnitKinds lists the kinds of unit.
var UnitKinds = []string{UnitMaintenance, UnitStreetOffice, UnitCommunity, UnitProperty}

// Limits of a unit record.
const (
	MaxUnitID   = 32  // bytes of an id
	MaxUnitText = 200 // characters of a name, phone or person
	// MaxUnits is the most units a store keeps, and so the most one
	// PutUnits or ListUnits handles.
	MaxUnits = 10000
)

// CheckUnit checks a unit record: an id of 1–MaxUnitID letters, digits,
// '-' and '_', a name, a known kind, and texts within MaxUnitText.
func CheckUnit(u *Unit) error {
	if u.ID == "" || len(u.ID) > MaxUnitID {
		return fmt.Errorf("unit id %q: want 1–%d characters", u.ID, MaxUnitID)
	}
	for _, r := range u.ID {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return fmt.Errorf("unit id %q: only letters, digits, '-' and '_'", u.ID)
		}
	}
	if u.Name == "" {
		return fmt.Errorf("unit %s: no name", u.ID)
	}
	if !slices.Contains(UnitKinds, u.Kind) {
		return fmt.Errorf("unit %s: kind %q, want one of %v", u.ID, u.Kind, UnitKinds)
	}
	for _, f := range []struct{ name, v string }{{"name", u.Name}, {"phone", u.Phone}, {"person", u.Person}} {
		if !utf8.ValidString(f.v) {
			return fmt.Errorf("unit %s: %s is not UTF-8", u.ID, f.name)
		}
		if n := utf8.RuneCountInString(f.v); n > MaxUnitText {
			return fmt.Errorf("unit %s: %s of %d characters, more than %d", u.ID, f.name, n, MaxUnitText)
		}
	}
	return nil
}

// Units keeps the responsible units beside the layers.
type Units interface {
	// PutUnits checks each unit (CheckUnit) and adds it, or replaces the
	// unit of the same ID, all in one transaction, setting Updated. More
	// than MaxUnits units in the store afterwards is an error, and nothing
	// is written.
	PutUnits(ctx context.Context, us []*Unit) error
	// GetUnit returns one unit or ErrNotFound.
	GetUnit(ctx context.Context, id string) (*Unit, error)
	// ListUnits returns every unit in ID order.
	ListUnits(ctx context.Context) ([]Unit, error)
	// DeleteUnit removes one unit or returns ErrNotFound.
	DeleteUnit(ctx context.Context, id string) error
}

// CheckUnits checks a batch for PutUnits: each unit, no ID twice, at most
// MaxUnits.
func CheckUnits(us []*Unit) error {
	if len(us) > MaxUnits {
		return fmt.Errorf("%d units: more than %d", len(us), MaxUnits)
	}
	seen := make(map[string]bool, len(us))
	for _, u := range us {
		if err := CheckUnit(u); err != nil {
			return err
		}
		if seen[u.ID] {
			return fmt.Errorf("unit %s given twice", u.ID)
		}
		seen[u.ID] = true
	}
	return nil
}
