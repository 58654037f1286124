package photo_test

import (
	"bytes"
	"errors"
	"image"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/greenreach/greenreach/cases/photo"
)

// FuzzCheck: any input is refused with a wrapped ErrRefused, or taken and
// then cleaned and thumbnailed into a decodable image of the upright size
// with no metadata segment. Limits are small so that the fuzzer explores
// structure, not big images.
func FuzzCheck(f *testing.F) {
	for _, in := range validInputs(f) {
		f.Add(in)
	}
	f.Add(pngHeader(nil, 60000, 60000))
	f.Add(jpegHeader(0xc2, 64, 64, 3))
	f.Add(encJPEG(f, gradient(16, 16), 50))
	f.Add(encPNG(f, marked(9, 7, 3, 2)))
	f.Add(webpFile(riffChunk("VP8L", vp8l(marked(9, 7, 3, 2)))))
	jpegs, _ := filepath.Glob("testdata/*.jpeg")
	webps, _ := filepath.Glob("testdata/*.webp")
	for _, name := range append(jpegs, webps...) {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	lim := photo.Limits{MaxBytes: 1 << 20, MaxPixels: 1 << 18, MaxMemory: 64 << 20, MaxScans: 20}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := photo.CheckBytes(b, lim)
		if err != nil {
			if !errors.Is(err, photo.ErrRefused) {
				t.Fatalf("an error that is not a refusal: %v", err)
			}
			return
		}
		if p.Memory > lim.MaxMemory || int64(p.Width)*int64(p.Height) > lim.MaxPixels {
			t.Fatalf("taken over the limits: %+v", p.Info)
		}
		uw, uh := p.Upright()
		clean, err := p.Clean()
		if err != nil {
			t.Fatal(err)
		}
		var m image.Image
		if clean.Format == photo.PNG {
			m, err = png.Decode(bytes.NewReader(clean.Data))
		} else {
			m, err = jpeg.Decode(bytes.NewReader(clean.Data))
			jpegMarkers(t, clean.Data)
		}
		if err != nil {
			t.Fatalf("clean does not decode: %v", err)
		}
		if md, err := photo.Metadata(clean.Data); len(md) != 0 || err != nil {
			t.Fatalf("clean has metadata %q (%v)", md, err)
		}
		if s := m.Bounds().Size(); s.X != uw || s.Y != uh {
			t.Fatalf("clean is %v, upright is %dx%d", s, uw, uh)
		}
		th, err := p.Thumb(0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := jpeg.Decode(bytes.NewReader(th.Data)); err != nil {
			t.Fatalf("thumb does not decode: %v", err)
		}
		markers, _ := jpegMarkers(t, th.Data)
		for _, mk := range markers {
			if mk >= 0xe0 && mk <= 0xef || mk == 0xfe {
				t.Fatalf("thumb has segment 0x%02x", mk)
			}
		}
		if max(th.Width, th.Height) > photo.ThumbSide {
			t.Fatalf("thumb %dx%d", th.Width, th.Height)
		}
	})
}
