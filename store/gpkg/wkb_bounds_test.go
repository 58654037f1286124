package gpkg

import (
	"encoding/binary"
	"errors"
	"runtime"
	"testing"

	"github.com/paulmach/orb"
)

// TestDecodeClaimedCounts: a blob claiming huge counts fails without
// allocating for them. Each count of a geometry collection nested 30 deep
// fits what is left of its 1 MB blob; preallocating every level's parts
// took 30 × (1 MB / 9) × 16 bytes (53 MB).
func TestDecodeClaimedCounts(t *testing.T) {
	const size = 1 << 20
	nested := func(typ uint32, levels int) []byte {
		var w []byte
		for range levels {
			w = append(w, 1)
			w = binary.LittleEndian.AppendUint32(w, typ)
			w = binary.LittleEndian.AppendUint32(w, uint32((size-len(w)-4)/9))
		}
		return append(w, make([]byte, size-len(w))...)
	}
	tests := map[string][]byte{
		"collections 30 deep":   nested(7, 30),
		"multipolygons 30 deep": nested(6, 30),
	}
	for name, wkb := range tests {
		t.Run(name, func(t *testing.T) {
			blob := gpBlob(binary.LittleEndian, 0, false, orb.Bound{}, wkb)
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			g, _, err := DecodeGeometry(blob)
			runtime.ReadMemStats(&after)
			if !errors.Is(err, ErrGeometry) {
				t.Fatalf("decoded %T, err = %v, want ErrGeometry", g, err)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4*size {
				t.Errorf("allocated %d MiB for a %d MiB blob", alloc>>20, size>>20)
			}
		})
	}
}
