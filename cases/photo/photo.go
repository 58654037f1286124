// Package photo checks the photos of cases and makes them safe to show.
//
// Check takes a JPEG, PNG or WebP by its content (a name or a declared
// type is never trusted), refuses anything else, and bounds the work before
// a pixel is decoded: the file's bytes, its pixels (width×height from the
// header), the memory decoding and re-encoding will need, and a JPEG's
// scans. A decompression bomb — a small file claiming a huge image — is
// thus refused after reading a few header bytes. A file must be one whole
// image: truncated files, and files with other data after the image's end
// (polyglots, e.g. a JPEG followed by a ZIP), are refused. Whole JPEGs
// after a JPEG (the gain maps and previews phones declare in an MPF
// segment) are taken; a video after one (a "motion photo") is refused, and
// the refusal names it.
//
// Clean re-encodes a checked photo from its pixels alone, so no metadata
// survives (EXIF with GPS, XMP, IPTC, ICC profiles, comments, PNG text
// chunks): JPEG and WebP become a JPEG of quality 85 (any transparency is
// laid on white), a PNG stays a PNG (lossless, transparency kept). The
// EXIF orientation is applied first, so the photo stays upright. Thumb
// makes a small JPEG the same way. Anything public must be Clean's or
// Thumb's output, never the uploaded bytes.
//
// The package does not import the store or the api; every refusal wraps
// ErrRefused.
package photo

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"math"

	"golang.org/x/image/webp"
)

// Limits bound what Check accepts; a zero field takes its default.
type Limits struct {
	MaxBytes  int64 // size of the file (default 16 MiB)
	MaxPixels int64 // width×height (default 48 million: 8000×6000)
	MaxMemory int64 // estimated allocation of Check, Clean and Thumb (default 512 MiB)
	MaxScans  int   // scans of a progressive JPEG (default 100)
}

// The defaults of Limits.
const (
	DefaultMaxBytes  = 16 << 20
	DefaultMaxPixels = 48_000_000
	DefaultMaxMemory = 512 << 20
	DefaultMaxScans  = 100
)

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.MaxPixels <= 0 {
		l.MaxPixels = DefaultMaxPixels
	}
	if l.MaxMemory <= 0 {
		l.MaxMemory = DefaultMaxMemory
	}
	if l.MaxScans <= 0 {
		l.MaxScans = DefaultMaxScans
	}
	return l
}

// Info is what Inspect learns of a photo without decoding its pixels.
type Info struct {
	Format        Format
	Width, Height int   // as stored, before the orientation is applied
	Orientation   int   // EXIF orientation 1–8 (1: upright, also when absent)
	Bytes         int64 // size of the file
	Memory        int64 // upper bound of the bytes Check, Clean and Thumb(ThumbSide) allocate

	// Metadata names the metadata blocks of the file ("EXIF with GPS
	// position", "XMP", "ICC profile", "PNG tEXt"…), which Clean and Thumb
	// drop: for a log line or a warning to the uploader.
	Metadata []string
}

// Upright answers the width and height once the orientation is applied.
func (i *Info) Upright() (w, h int) {
	if i.Orientation >= 5 {
		return i.Height, i.Width
	}
	return i.Width, i.Height
}

// Photo is a checked, decoded photo.
type Photo struct {
	Info
	img image.Image
}

// Check reads a photo from r (at most lim.MaxBytes, and one byte more to
// tell that it is over) and checks and decodes it like CheckBytes.
func Check(r io.Reader, lim Limits) (*Photo, error) {
	lim = lim.withDefaults()
	b, err := io.ReadAll(io.LimitReader(r, lim.MaxBytes+1))
	if err != nil {
		return nil, err
	}
	return CheckBytes(b, lim)
}

// CheckBytes checks b with Inspect and only then decodes its pixels.
func CheckBytes(b []byte, lim Limits) (*Photo, error) {
	info, _, err := inspect(b, lim)
	if err != nil {
		return nil, err
	}
	var img image.Image
	switch info.Format {
	case JPEG:
		img, err = jpeg.Decode(bytes.NewReader(b))
	case PNG:
		img, err = png.Decode(bytes.NewReader(b))
	case WebP:
		img, err = webp.Decode(bytes.NewReader(b))
	}
	if err != nil {
		return nil, invalid(info.Format, "%v", err)
	}
	if r := img.Bounds(); r.Dx() != info.Width || r.Dy() != info.Height {
		// The decoders allocate by the header DecodeConfig read; another
		// size would mean the limits bounded a different image.
		return nil, invalid(info.Format, "decoded %dx%d, header says %dx%d", r.Dx(), r.Dy(), info.Width, info.Height)
	}
	return &Photo{Info: *info, img: img}, nil
}

// Metadata names the metadata blocks of a JPEG, PNG or WebP file, like
// Info.Metadata, without reading its header or pixels: a check that a
// file about to be served carries none (Clean's and Thumb's output never
// does). A file that is not one whole image is an error.
func Metadata(b []byte) ([]string, error) {
	f, err := Identify(b)
	if err != nil {
		return nil, err
	}
	l, err := walk(f, b, math.MaxInt)
	if err != nil {
		return nil, err
	}
	return l.metadata(), nil
}

// Inspect identifies b by content, walks its blocks (segments or chunks)
// and reads its header, and refuses it if it is not one whole JPEG, PNG or
// WebP or is over a limit — all before any pixel is decoded.
func Inspect(b []byte, lim Limits) (*Info, error) {
	info, _, err := inspect(b, lim)
	return info, err
}

func inspect(b []byte, lim Limits) (*Info, color.Model, error) {
	lim = lim.withDefaults()
	if int64(len(b)) > lim.MaxBytes {
		return nil, nil, &LimitError{Limit: "bytes", Got: int64(len(b)), Max: lim.MaxBytes}
	}
	f, err := Identify(b)
	if err != nil {
		return nil, nil, err
	}
	l, err := walk(f, b, lim.MaxScans)
	if err != nil {
		return nil, nil, err
	}
	// The format's own DecodeConfig, not image.DecodeConfig, which would
	// take any format some package of the binary registers (GIF, BMP…).
	var cfg image.Config
	switch f {
	case JPEG:
		cfg, err = jpeg.DecodeConfig(bytes.NewReader(b))
	case PNG:
		cfg, err = png.DecodeConfig(bytes.NewReader(b))
	case WebP:
		cfg, err = webp.DecodeConfig(bytes.NewReader(b))
	}
	if err != nil {
		return nil, nil, invalid(f, "%v", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, nil, invalid(f, "size %dx%d", cfg.Width, cfg.Height)
	}
	px := int64(cfg.Width) * int64(cfg.Height)
	if px > lim.MaxPixels {
		return nil, nil, &LimitError{Limit: "pixels", Got: px, Max: lim.MaxPixels}
	}
	info := &Info{
		Format:      f,
		Width:       cfg.Width,
		Height:      cfg.Height,
		Orientation: orientation(l.exif),
		Bytes:       int64(len(b)),
		Metadata:    l.metadata(),
	}
	info.Memory = decodeMemory(info, l, cfg.ColorModel) + cleanMemory(info, l, cfg.ColorModel) + thumbMemory(cfg.Width, cfg.Height, ThumbSide)
	if info.Memory > lim.MaxMemory {
		return nil, nil, &LimitError{Limit: "memory", Got: info.Memory, Max: lim.MaxMemory}
	}
	return info, cfg.ColorModel, nil
}

// slack covers a decoder's or encoder's fixed allocations (tables, buffers,
// zlib state).
const slack = 2 << 20

// decodeMemory bounds what decoding allocates, from the layout of the
// decoders in image/jpeg, image/png and x/image/webp.
func decodeMemory(i *Info, l *layout, m color.Model) int64 {
	w, h := int64(i.Width), int64(i.Height)
	px := w * h
	switch i.Format {
	case JPEG:
		// One plane per component in whole MCUs; progressive JPEGs keep
		// every coefficient (an int32 each) between scans; RGB and CMYK
		// JPEGs are converted to a 4-byte image.
		hmax, vmax := int64(1), int64(1)
		for _, c := range l.comps {
			hmax, vmax = max(hmax, int64(c[0])), max(vmax, int64(c[1]))
		}
		mxx, myy := (w+8*hmax-1)/(8*hmax), (h+8*vmax-1)/(8*vmax)
		var planes int64
		for _, c := range l.comps {
			planes += 64 * int64(c[0]) * int64(c[1]) * mxx * myy
		}
		n := planes
		if l.progressive {
			n += 4 * planes
		}
		if m != color.YCbCrModel && m != color.GrayModel {
			n += 4 * px
		}
		return n + slack
	case PNG:
		// The image and, when interlaced, each pass's image before it.
		return 2*bytesPerPixel(m)*px + 4*w*8 + slack
	case WebP:
		// VP8: 4:2:0 planes in 16×16 macroblocks; VP8L: 4 bytes a pixel and
		// a transform's copy; alpha: a plane and its VP8L decoding.
		// The layout, not the header's colour model, tells them apart: a
		// VP8X header answers YCbCr whatever follows it.
		pw, ph := (w+15)/16*16, (h+15)/16*16
		switch {
		case l.lossless:
			return 8*px + slack
		case l.alpha:
			return pw*ph*3/2 + 9*px + slack
		}
		return pw*ph*3/2 + slack
	}
	return 0
}

// cleanMemory bounds what Clean allocates: a 4-byte copy of the pixels
// when they must be converted or turned, and the encoded output (a
// bytes.Buffer may hold up to twice it while growing).
func cleanMemory(i *Info, l *layout, m color.Model) int64 {
	px := int64(i.Width) * int64(i.Height)
	var n int64
	if i.Format == PNG {
		bpp := bytesPerPixel(m)
		if i.Orientation != 1 {
			n += bpp * px
		}
		// Deflate never grows data by more than a few bytes a block.
		n += 2 * (bpp*px + int64(i.Height) + px/1024)
	} else {
		converted := m != color.YCbCrModel && m != color.GrayModel || l.lossless || l.alpha
		if i.Orientation != 1 || converted {
			n += 4 * px
		}
		// Baseline JPEG at quality 85 stays well under 3 bytes a pixel
		// even for noise.
		n += 2 * 3 * px
	}
	return n + slack
}

// bytesPerPixel is the size of a pixel in the image a PNG decodes to.
func bytesPerPixel(m color.Model) int64 {
	switch m {
	case color.GrayModel:
		return 1
	case color.Gray16Model:
		return 2
	case color.RGBAModel, color.NRGBAModel:
		return 4
	case color.RGBA64Model, color.NRGBA64Model:
		return 8
	}
	if _, ok := m.(color.Palette); ok {
		return 1
	}
	return 8
}
