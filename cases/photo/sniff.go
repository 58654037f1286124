package photo

import (
	"bytes"
	"fmt"
)

// Format is an image format a photo may come in.
type Format string

// The formats taken. Clean answers JPEG or PNG, Thumb JPEG.
const (
	JPEG Format = "jpeg"
	PNG  Format = "png"
	WebP Format = "webp"
)

// Name is the format's usual name ("JPEG").
func (f Format) Name() string {
	switch f {
	case JPEG:
		return "JPEG"
	case PNG:
		return "PNG"
	case WebP:
		return "WebP"
	}
	return string(f)
}

// ContentType is the format's media type.
func (f Format) ContentType() string {
	return "image/" + string(f)
}

// Identify tells the format of b by its first bytes (never by a name or a
// declared type); anything but JPEG, PNG or WebP is a *NotImageError
// naming what it looks like.
func Identify(b []byte) (Format, error) {
	switch {
	case bytes.HasPrefix(b, []byte{0xff, 0xd8, 0xff}):
		return JPEG, nil
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return PNG, nil
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		return WebP, nil
	}
	return "", &NotImageError{What: describe(b)}
}

// signatures name formats a photo upload is commonly mistaken for or
// disguised as; the first whose prefix matches names the content.
var signatures = []struct {
	prefix, name string
}{
	{"GIF87a", "a GIF image"},
	{"GIF89a", "a GIF image"},
	{"BM", "a BMP image"},
	{"II*\x00", "a TIFF image"},
	{"MM\x00*", "a TIFF image"},
	{"\x00\x00\x01\x00", "an ICO icon"},
	{"8BPS", "a Photoshop document"},
	{"%PDF-", "a PDF document"},
	{"PK\x03\x04", "a ZIP archive (or an Office document)"},
	{"PK\x05\x06", "an empty ZIP archive"},
	{"Rar!", "a RAR archive"},
	{"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"},
	{"\x1f\x8b", "a gzip file"},
	{"BZh", "a bzip2 file"},
	{"\xfd7zXZ\x00", "an xz file"},
	{"\x7fELF", "an ELF executable"},
	{"MZ", "a Windows executable"},
	{"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Office document"},
	{"SQLite format 3\x00", "an SQLite database (or GeoPackage)"},
	{"\xff\xd8", "a truncated JPEG"},
	{"\x89PNG", "a truncated PNG"},
	{"RIFF", "a RIFF file that is not WebP (WAV or AVI)"},
	{"OggS", "an Ogg file"},
	{"ID3", "an MP3 file"},
	{"\x1aE\xdf\xa3", "a Matroska or WebM video"},
	{"\xef\xbb\xbf", "text"},
}

// describe names what b looks like, for a refusal.
func describe(b []byte) string {
	if len(b) == 0 {
		return "empty"
	}
	for _, s := range signatures {
		if bytes.HasPrefix(b, []byte(s.prefix)) {
			return s.name
		}
	}
	if len(b) >= 12 && string(b[4:8]) == "ftyp" {
		// ISO base media: the major brand tells HEIC/AVIF photos from video.
		switch brand := string(b[8:12]); brand {
		case "heic", "heix", "heim", "heis", "hevc", "hevx", "mif1", "msf1":
			return "a HEIF/HEIC image (" + brand + ")"
		case "avif", "avis":
			return "an AVIF image"
		default:
			return fmt.Sprintf("an MP4/QuickTime file (%q)", brand)
		}
	}
	head := bytes.ToLower(bytes.TrimLeft(b[:min(len(b), 512)], " \t\r\n"))
	switch {
	case bytes.HasPrefix(head, []byte("<svg")) || bytes.Contains(head, []byte("<svg")):
		return "an SVG image"
	case bytes.HasPrefix(head, []byte("<!doctype html")) || bytes.HasPrefix(head, []byte("<html")) ||
		bytes.HasPrefix(head, []byte("<script")):
		return "an HTML document"
	case bytes.HasPrefix(head, []byte("<?xml")):
		return "an XML document"
	case bytes.HasPrefix(head, []byte("{")) || bytes.HasPrefix(head, []byte("[")):
		return "JSON or text"
	}
	if printable(b[:min(len(b), 512)]) {
		return "text"
	}
	return fmt.Sprintf("unknown data starting % x", b[:min(len(b), 8)])
}

// printable reports whether b looks like text (UTF-8 or legacy Chinese
// encodings: no control bytes but whitespace).
func printable(b []byte) bool {
	for _, c := range b {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0x7f {
			return false
		}
	}
	return true
}
