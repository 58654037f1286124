package photo

import (
	"bytes"
	"fmt"
	"image"
	"image/draw"
	"image/jpeg"
	"image/png"

	xdraw "golang.org/x/image/draw"
)

// Quality is the JPEG quality of Clean's and Thumb's output.
const Quality = 85

// ThumbSide is the longest side of a thumbnail, in pixels; MaxThumbSide
// bounds what Thumb is asked for.
const (
	ThumbSide    = 320
	MaxThumbSide = 1024
)

// File is an encoded image made from a photo's pixels alone.
type File struct {
	Format        Format // JPEG or PNG
	Width, Height int    // upright
	Data          []byte
}

// ContentType is the file's media type.
func (f *File) ContentType() string { return f.Format.ContentType() }

// Clean re-encodes the photo, upright, with no metadata: a PNG as a PNG,
// anything else as a JPEG of quality Quality.
func (p *Photo) Clean() (*File, error) {
	var buf bytes.Buffer
	if p.Format == PNG {
		m := orientPix(p.img, p.Orientation)
		if err := png.Encode(&buf, m); err != nil {
			return nil, fmt.Errorf("photo: encode PNG: %w", err)
		}
		r := m.Bounds()
		return &File{Format: PNG, Width: r.Dx(), Height: r.Dy(), Data: buf.Bytes()}, nil
	}
	var m image.Image = p.img
	switch p.img.(type) {
	case *image.YCbCr, *image.Gray:
		if p.Orientation != 1 {
			m = flattenOriented(p.img, p.Orientation)
		}
	default:
		m = flattenOriented(p.img, p.Orientation)
	}
	if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: Quality}); err != nil {
		return nil, fmt.Errorf("photo: encode JPEG: %w", err)
	}
	r := m.Bounds()
	return &File{Format: JPEG, Width: r.Dx(), Height: r.Dy(), Data: buf.Bytes()}, nil
}

// Thumb makes an upright JPEG whose longest side is at most side pixels
// (ThumbSide when side is 0; never enlarged), laid on white, with no
// metadata. The image is first reduced by averaging whole blocks to two to
// four times the target, then scaled with Catmull-Rom, so that neither
// step aliases nor needs memory in proportion to the photo. Info.Memory
// counts a thumbnail of ThumbSide; a larger side needs more.
func (p *Photo) Thumb(side int) (*File, error) {
	if side == 0 {
		side = ThumbSide
	}
	if side < 1 || side > MaxThumbSide {
		return nil, fmt.Errorf("photo: thumbnail side %d outside 1–%d", side, MaxThumbSide)
	}
	tw, th, k := thumbPlan(p.Width, p.Height, side)
	src := p.img
	if k >= 2 {
		src = boxReduce(p.img, k)
	}
	dst := image.NewRGBA(image.Rect(0, 0, tw, th))
	draw.Draw(dst, dst.Rect, image.White, image.Point{}, draw.Src)
	xdraw.CatmullRom.Scale(dst, dst.Rect, src, src.Bounds(), xdraw.Over, nil)
	m := orientPix(dst, p.Orientation)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: Quality}); err != nil {
		return nil, fmt.Errorf("photo: encode JPEG: %w", err)
	}
	r := m.Bounds()
	return &File{Format: JPEG, Width: r.Dx(), Height: r.Dy(), Data: buf.Bytes()}, nil
}

// thumbPlan answers the size of a w×h image's thumbnail of longest side
// side, and the block size k of the reduction before scaling (below 2:
// none).
func thumbPlan(w, h, side int) (tw, th, k int) {
	tw, th = w, h
	if long := max(w, h); long > side {
		tw = max(1, (w*side+long/2)/long)
		th = max(1, (h*side+long/2)/long)
	}
	return tw, th, min(w/(2*tw), h/(2*th))
}

// thumbMemory bounds what Thumb(side) of a w×h image allocates: the strip
// of k rows and the reduced image (4 bytes a pixel), Catmull-Rom's buffer
// (target width × source height × 32 bytes), the thumbnail, its turned
// copy and its encoding.
func thumbMemory(w, h, side int) int64 {
	tw, th, k := thumbPlan(w, h, side)
	sw, sh := int64(w), int64(h)
	var n int64
	if k >= 2 {
		sw, sh = int64((w+k-1)/k), int64((h+k-1)/k)
		n += 4*int64(w)*int64(k) + 4*sw*sh + 16*sw
	}
	t := int64(tw) * int64(th)
	return n + 32*int64(tw)*sh + 3*4*t + slack
}

// stripRows is how many rows flattenOriented converts at a time.
const stripRows = 16

// strips calls fn for each band of rows of src drawn on white into an
// RGBA buffer (using image/draw's fast paths), reusing one buffer of at
// most rows rows.
func strips(src image.Image, rows int, fn func(y0 int, s *image.RGBA)) {
	r := src.Bounds()
	buf := image.NewRGBA(image.Rect(0, 0, r.Dx(), rows))
	for y := r.Min.Y; y < r.Max.Y; y += rows {
		n := min(rows, r.Max.Y-y)
		s := buf.SubImage(image.Rect(0, 0, r.Dx(), n)).(*image.RGBA)
		draw.Draw(s, s.Rect, image.White, image.Point{}, draw.Src)
		draw.Draw(s, s.Rect, src, image.Pt(r.Min.X, y), draw.Over)
		fn(y-r.Min.Y, s)
	}
}

// boxReduce averages each k×k block of src (on white) into one pixel; a
// partial block at the right or bottom edge averages what it has.
func boxReduce(src image.Image, k int) *image.RGBA {
	r := src.Bounds()
	w, h := r.Dx(), r.Dy()
	dw, dh := (w+k-1)/k, (h+k-1)/k
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	sums := make([]uint32, 4*dw)
	strips(src, k, func(y0 int, s *image.RGBA) {
		clear(sums)
		for y := 0; y < s.Rect.Dy(); y++ {
			row := s.Pix[y*s.Stride : y*s.Stride+4*w]
			for x := range w {
				j := 4 * (x / k)
				sums[j] += uint32(row[4*x])
				sums[j+1] += uint32(row[4*x+1])
				sums[j+2] += uint32(row[4*x+2])
				sums[j+3] += uint32(row[4*x+3])
			}
		}
		out := dst.Pix[(y0/k)*dst.Stride:]
		for dx := range dw {
			n := uint32(min(k, w-dx*k) * s.Rect.Dy())
			for c := range 4 {
				out[4*dx+c] = uint8((sums[4*dx+c] + n/2) / n)
			}
		}
	})
	return dst
}

// flattenOriented draws src on white into a new RGBA, turned by the EXIF
// orientation o, converting a band of rows at a time.
func flattenOriented(src image.Image, o int) *image.RGBA {
	r := src.Bounds()
	w, h := r.Dx(), r.Dy()
	ow, oh := w, h
	if o >= 5 {
		ow, oh = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, ow, oh))
	strips(src, stripRows, func(y0 int, s *image.RGBA) {
		for y := 0; y < s.Rect.Dy(); y++ {
			row := s.Pix[y*s.Stride:]
			if o == 1 {
				copy(dst.Pix[(y0+y)*dst.Stride:], row[:4*w])
				continue
			}
			for x := range w {
				dx, dy := turn(x, y0+y, w, h, o)
				copy(dst.Pix[dy*dst.Stride+4*dx:dy*dst.Stride+4*dx+4], row[4*x:4*x+4])
			}
		}
	})
	return dst
}

// turn maps pixel (x, y) of a w×h image to where EXIF orientation o puts
// it in the upright image (o is how the stored image must be transformed:
// 2 mirror, 3 rotate 180°, 4 flip, 5 transpose, 6 rotate 90° clockwise,
// 7 transverse, 8 rotate 90° counter-clockwise).
func turn(x, y, w, h, o int) (int, int) {
	switch o {
	case 2:
		return w - 1 - x, y
	case 3:
		return w - 1 - x, h - 1 - y
	case 4:
		return x, h - 1 - y
	case 5:
		return y, x
	case 6:
		return h - 1 - y, x
	case 7:
		return h - 1 - y, w - 1 - x
	case 8:
		return y, w - 1 - x
	}
	return x, y
}

// orientPix turns img by orientation o, keeping its pixel type (so a PNG
// keeps its depth, palette and transparency); types without one flat
// pixel array are drawn on white into RGBA first.
func orientPix(img image.Image, o int) image.Image {
	if o == 1 {
		return img
	}
	r := img.Bounds()
	w, h := r.Dx(), r.Dy()
	ow, oh := w, h
	if o >= 5 {
		ow, oh = h, w
	}
	nr := image.Rect(0, 0, ow, oh)
	var (
		pix       []byte
		stride    int
		bpp       int
		dst       image.Image
		dstPix    []byte
		dstStride int
	)
	switch m := img.(type) {
	case *image.Gray:
		d := image.NewGray(nr)
		pix, stride, bpp, dst, dstPix, dstStride = m.Pix[m.PixOffset(r.Min.X, r.Min.Y):], m.Stride, 1, d, d.Pix, d.Stride
	case *image.Gray16:
		d := image.NewGray16(nr)
		pix, stride, bpp, dst, dstPix, dstStride = m.Pix[m.PixOffset(r.Min.X, r.Min.Y):], m.Stride, 2, d, d.Pix, d.Stride
	case *image.RGBA:
		d := image.NewRGBA(nr)
		pix, stride, bpp, dst, dstPix, dstStride = m.Pix[m.PixOffset(r.Min.X, r.Min.Y):], m.Stride, 4, d, d.Pix, d.Stride
	case *image.NRGBA:
		d := image.NewNRGBA(nr)
		pix, stride, bpp, dst, dstPix, dstStride = m.Pix[m.PixOffset(r.Min.X, r.Min.Y):], m.Stride, 4, d, d.Pix, d.Stride
	case *image.RGBA64:
		d := image.NewRGBA64(nr)
		pix, stride, bpp, dst, dstPix, dstStride = m.Pix[m.PixOffset(r.Min.X, r.Min.Y):], m.Stride, 8, d, d.Pix, d.Stride
	case *image.NRGBA64:
		d := image.NewNRGBA64(nr)
		pix, stride, bpp, dst, dstPix, dstStride = m.Pix[m.PixOffset(r.Min.X, r.Min.Y):], m.Stride, 8, d, d.Pix, d.Stride
	case *image.Paletted:
		d := image.NewPaletted(nr, m.Palette)
		pix, stride, bpp, dst, dstPix, dstStride = m.Pix[m.PixOffset(r.Min.X, r.Min.Y):], m.Stride, 1, d, d.Pix, d.Stride
	default:
		return flattenOriented(img, o)
	}
	for y := range h {
		row := pix[y*stride:]
		for x := range w {
			dx, dy := turn(x, y, w, h, o)
			copy(dstPix[dy*dstStride+bpp*dx:dy*dstStride+bpp*dx+bpp], row[bpp*x:bpp*x+bpp])
		}
	}
	return dst
}
