package tiles

import (
	"github.com/paulmach/orb"
)

// clipLine appends the pieces of the line in that lie in box to out, back
// to back, and the end of each piece to ends. It is mapbox/lineclip's
// algorithm as orb's clip package has it (same pieces, same points),
// writing into buffers the caller reuses instead of new slices.
func clipLine(box orb.Bound, in, out []orb.Point, ends []int) ([]orb.Point, []int) {
	if len(in) == 0 {
		return out, ends
	}
	pieceStart := len(out)
	last := len(in) - 1
	codeA := bitCode(box, in[0])
	for i := 1; i <= last; i++ {
		a, b := in[i-1], in[i]
		codeB := bitCode(box, b)
		endCode := codeB
		for { // every crossing of the segment with the box, e.g. two across a corner
			if codeA|codeB == 0 { // both in the box
				out = append(out, a)
				if codeB != endCode { // the segment leaves the box: the piece ends
					out = append(out, b)
					if i < last {
						ends = append(ends, len(out))
						pieceStart = len(out)
					}
				} else if i == last {
					out = append(out, b)
				}
				break
			} else if codeA&codeB != 0 { // both beyond one side
				break
			} else if codeA != 0 {
				a = intersect(box, codeA, a, b)
				codeA = bitCode(box, a)
			} else {
				b = intersect(box, codeB, a, b)
				codeB = bitCode(box, b)
			}
		}
		codeA = endCode
	}
	if len(out) > pieceStart {
		ends = append(ends, len(out))
	}
	return out, ends
}

// bitCode says where p lies around box: 1 left, 2 right, 4 below, 8 above.
func bitCode(box orb.Bound, p orb.Point) int {
	code := 0
	if p[0] < box.Min[0] {
		code |= 1
	} else if p[0] > box.Max[0] {
		code |= 2
	}
	if p[1] < box.Min[1] {
		code |= 4
	} else if p[1] > box.Max[1] {
		code |= 8
	}
	return code
}

// intersect returns where segment ab crosses the side of box named by edge.
func intersect(box orb.Bound, edge int, a, b orb.Point) orb.Point {
	switch {
	case edge&8 != 0:
		return orb.Point{a[0] + (b[0]-a[0])*(box.Max[1]-a[1])/(b[1]-a[1]), box.Max[1]}
	case edge&4 != 0:
		return orb.Point{a[0] + (b[0]-a[0])*(box.Min[1]-a[1])/(b[1]-a[1]), box.Min[1]}
	case edge&2 != 0:
		return orb.Point{box.Max[0], a[1] + (b[1]-a[1])*(box.Max[0]-a[0])/(b[0]-a[0])}
	default:
		return orb.Point{box.Min[0], a[1] + (b[1]-a[1])*(box.Min[0]-a[0])/(b[0]-a[0])}
	}
}

// onEdge reports whether every point of l lies on one side of clipBound: a
// line running outside that touches the buffer's edge leaves such a piece,
// with nothing of it inside.
func onEdge(l []orb.Point) bool {
	left, right, bottom, top := true, true, true, true
	for _, p := range l {
		left = left && p[0] == clipBound.Min[0]
		right = right && p[0] == clipBound.Max[0]
		bottom = bottom && p[1] == clipBound.Min[1]
		top = top && p[1] == clipBound.Max[1]
	}
	return left || right || bottom || top
}
