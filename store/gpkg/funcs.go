package gpkg

import (
	"database/sql/driver"
	"fmt"
	"strings"
	"sync"

	"github.com/paulmach/orb"
	"modernc.org/sqlite"
)

// The GeoPackage RTree spatial index extension triggers call these SQL
// functions (GeoPackage 1.3, F.3). They are registered on the modernc driver,
// so every connection it opens has them: ours, and any other package's.
var (
	registerOnce sync.Once
	registerErr  error
)

func registerFunctions() error {
	registerOnce.Do(func() {
		bound := func(pick func(orb.Bound) float64) func(*sqlite.FunctionContext, []driver.Value) (driver.Value, error) {
			return func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
				b, ok := args[0].([]byte)
				if !ok {
					return nil, nil
				}
				bb, empty, err := envelope(b)
				if err != nil || empty {
					return nil, nil
				}
				return pick(bb), nil
			}
		}
		fns := []struct {
			name string
			fn   func(*sqlite.FunctionContext, []driver.Value) (driver.Value, error)
		}{
			{"ST_IsEmpty", func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
				b, ok := args[0].([]byte)
				if !ok {
					return nil, nil
				}
				_, empty, err := envelope(b)
				if err != nil {
					return nil, nil
				}
				if empty {
					return int64(1), nil
				}
				return int64(0), nil
			}},
			{"ST_MinX", bound(func(b orb.Bound) float64 { return b.Min[0] })},
			{"ST_MaxX", bound(func(b orb.Bound) float64 { return b.Max[0] })},
			{"ST_MinY", bound(func(b orb.Bound) float64 { return b.Min[1] })},
			{"ST_MaxY", bound(func(b orb.Bound) float64 { return b.Max[1] })},
		}
		for _, f := range fns {
			if err := sqlite.RegisterDeterministicScalarFunction(f.name, 1, f.fn); err != nil {
				// Another package registered the same GeoPackage function
				// on the shared driver first: its implementation serves.
				if strings.Contains(err.Error(), "already registered") {
					continue
				}
				registerErr = fmt.Errorf("gpkg: register %s: %w", f.name, err)
				return
			}
		}
	})
	return registerErr
}
