package index

import (
	"slices"
	"testing"
)

// TestSpread: every position once, the first ones spread over the range.
func TestSpread(t *testing.T) {
	for _, n := range []int{0, 1, 2, 3, 5, 8, 1000, 1 << 16, 1<<16 + 1} {
		got := spread(n)
		if len(got) != n {
			t.Fatalf("spread(%d) has %d positions", n, len(got))
		}
		seen := make([]bool, n)
		for _, i := range got {
			if i < 0 || int(i) >= n || seen[i] {
				t.Fatalf("spread(%d): position %d out of range or repeated", n, i)
			}
			seen[i] = true
		}
	}
	if got := spread(8); !slices.Equal(got, []int32{0, 4, 2, 6, 1, 5, 3, 7}) {
		t.Errorf("spread(8) = %v, want the bit-reversed order", got)
	}
	// Of 1,000 positions, the first 16 fall in 16 different sixteenths.
	cells := map[int32]bool{}
	for _, i := range spread(1000)[:16] {
		cells[i*16/1000] = true
	}
	if len(cells) != 16 {
		t.Errorf("the first 16 of spread(1000) fall in %d sixteenths of it", len(cells))
	}
}
