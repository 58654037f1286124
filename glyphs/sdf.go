package glyphs

import "math"

// inf stands for "no seed yet" in the distance grids.
const inf = 1e20

// sdf turns a glyph's coverage (one byte per pixel, 255 inside) into the
// signed distance field MapLibre draws: 255·(1−Cutoff) on the outline,
// falling by 255/Radius per pixel outwards. It is @mapbox/tiny-sdf's
// transform (Felzenszwalb and Huttenlocher's exact Euclidean distance
// transform of the inside and the outside, partial coverage read as a
// sub-pixel distance to the edge), with linear coverage where tiny-sdf
// reads a canvas's gamma-encoded alpha.
func sdf(alpha []uint8, width, height int) []uint8 {
	n := width * height
	outer := make([]float64, n)
	inner := make([]float64, n)
	for i, a := range alpha {
		switch a {
		case 0:
			outer[i], inner[i] = inf, 0
		case 255:
			outer[i], inner[i] = 0, inf
		default:
			d := 0.5 - float64(a)/255 // > 0: less than half covered, outside
			if d > 0 {
				outer[i] = d * d
			} else {
				inner[i] = d * d
			}
		}
	}
	m := max(width, height)
	f := make([]float64, m)
	z := make([]float64, m+1)
	v := make([]int, m)
	edt(outer, width, height, f, v, z)
	edt(inner, width, height, f, v, z)
	out := make([]uint8, n)
	scale := 255 / Radius
	base := 255 * (1 - Cutoff)
	for i := range out {
		d := math.Sqrt(outer[i]) - math.Sqrt(inner[i])
		out[i] = uint8(math.Round(min(255, max(0, base-scale*d))))
	}
	return out
}

// edt replaces each cell of grid (squared distances to a seed, inf where
// none) with its squared Euclidean distance to the nearest seed: columns
// first, then rows.
func edt(grid []float64, width, height int, f []float64, v []int, z []float64) {
	for x := range width {
		edt1d(grid, x, width, height, f, v, z)
	}
	for y := range height {
		edt1d(grid, y*width, 1, width, f, v, z)
	}
}

// edt1d is the one-dimensional transform along length cells from offset,
// stride apart: the lower envelope of the parabolas rooted at each cell.
func edt1d(grid []float64, offset, stride, length int, f []float64, v []int, z []float64) {
	v[0] = 0
	z[0] = -inf
	z[1] = inf
	f[0] = grid[offset]
	k := 0
	for q := 1; q < length; q++ {
		fq := grid[offset+q*stride]
		f[q] = fq
		q2 := float64(q * q)
		var s float64
		for {
			r := v[k]
			s = (fq - f[r] + q2 - float64(r*r)) / float64(q-r) / 2
			if s > z[k] {
				break
			}
			k-- // parabola v[k] is hidden by the new one
			if k < 0 {
				break
			}
		}
		k++
		v[k] = q
		z[k] = s
		z[k+1] = inf
	}
	k = 0
	for q := range length {
		for z[k+1] < float64(q) {
			k++
		}
		r := v[k]
		qr := float64(q - r)
		grid[offset+q*stride] = f[r] + qr*qr
	}
}
