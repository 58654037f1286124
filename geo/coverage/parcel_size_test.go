package coverage

import (
	"testing"
	"unsafe"
)

// A metro audit keeps a million parcels: each must stay within the
// 80-byte size class.
func TestParcelSize(t *testing.T) {
	if n := unsafe.Sizeof(Parcel{}); n > 80 {
		t.Errorf("a Parcel takes %d bytes, want at most 80", n)
	}
}

// The sources keep the names pop_source gives them.
func TestPopSourceNames(t *testing.T) {
	for _, c := range []struct {
		source, kind, want string
	}{
		{"", "residential", "given"},
		{"census", "building", "given"},
		{"estimated", "building", "estimated_building"},
		{"estimated", "block", "estimated_area"},
		{"estimated_building", "block", "estimated_building"},
		{"estimated_area", "building", "estimated_area"},
	} {
		if got := popSource(c.source, c.kind).String(); got != c.want {
			t.Errorf("pop_source %q on a %s: %q, want %q", c.source, c.kind, got, c.want)
		}
	}
}
