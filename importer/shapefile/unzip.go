package shapefile

import (
	"archive/zip"
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Limits of a zip's extraction. A zip's own headers can lie, so what they
// bound is counted as it is read: the entries in the central directory and
// the bytes actually decompressed and read.
const (
	// DefaultMaxUnzip is the total a zip may expand to when
	// Options.MaxUnzip is 0.
	DefaultMaxUnzip = 1 << 30
	// maxZipEntries bounds the central directory: a Shapefile is a handful
	// of files, and each entry costs memory when the directory is read.
	maxZipEntries = 10_000
	// maxZipRatio bounds an entry's expansion over the compressed bytes
	// read for it, once it is past zipRatioFrom. A .dbf of wide, mostly
	// blank text fields compresses a few hundred to one, and deflate's
	// ceiling, which zip bombs reach, is about 1030:1.
	maxZipRatio  = 500
	zipRatioFrom = 16 << 20
)

// unzip extracts the one Shapefile of a zip into a new directory under
// tmp ("": os.TempDir()), at most limit bytes in all. The directory is
// returned, for the caller to remove, whenever it was made.
func unzip(ctx context.Context, path, tmp string, limit int64) (dir, shpPath string, err error) {
	if limit <= 0 {
		limit = DefaultMaxUnzip
	}
	f, err := os.Open(path)
	if err != nil {
		return "", "", err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", "", err
	}
	if n, err := zipEntries(f, st.Size(), maxZipEntries); err != nil {
		return "", "", fmt.Errorf("not a zip archive: %w", err)
	} else if n > maxZipEntries {
		return "", "", fmt.Errorf("the zip holds over %d entries (the limit)", maxZipEntries)
	}
	cr := &countingReaderAt{r: f}
	z, err := zip.NewReader(cr, st.Size())
	if err != nil {
		return "", "", fmt.Errorf("not a zip archive: %w", err)
	}
	if len(z.File) > maxZipEntries { // zipEntries agrees; this guards the rest
		return "", "", fmt.Errorf("the zip holds over %d entries (the limit)", maxZipEntries)
	}
	var shps []string
	for _, f := range z.File {
		if strings.HasSuffix(strings.ToLower(f.Name), ".shp") && !strings.HasPrefix(filepath.Base(f.Name), ".") {
			shps = append(shps, f.Name)
		}
	}
	switch len(shps) {
	case 0:
		return "", "", errors.New("the zip holds no .shp file")
	case 1:
	default:
		return "", "", fmt.Errorf("the zip holds %d Shapefiles (%s): zip one per import", len(shps), strings.Join(shps, ", "))
	}
	stem := strings.TrimSuffix(shps[0], filepath.Ext(shps[0]))
	dir, err = os.MkdirTemp(tmp, "greenreach-shp-")
	if err != nil {
		return "", "", err
	}
	left := limit
	for _, f := range z.File {
		if strings.TrimSuffix(f.Name, filepath.Ext(f.Name)) != stem {
			continue
		}
		dst := filepath.Join(dir, "layer"+strings.ToLower(filepath.Ext(f.Name)))
		if err := extract(ctx, f, dst, cr, &left, limit); err != nil {
			return dir, "", err
		}
	}
	return dir, filepath.Join(dir, "layer.shp"), nil
}

// extract writes entry f to dst, taking what it writes from *left and
// refusing past it or past maxZipRatio; zr counts the zip's bytes read.
func extract(ctx context.Context, f *zip.File, dst string, zr *countingReaderAt, left *int64, limit int64) error {
	tooBig := fmt.Errorf("%s: the zip expands past %d bytes (the limit on a zip's unpacked size)", f.Name, limit)
	if f.UncompressedSize64 > uint64(*left) { // an honest header: refuse before writing
		return tooBig
	}
	start := zr.n
	r, err := f.Open()
	if err != nil {
		return fmt.Errorf("%s: %w", f.Name, err)
	}
	defer r.Close()
	w, err := os.Create(dst)
	if err != nil {
		return err
	}
	buf := make([]byte, 64<<10)
	var written int64
	for {
		if err := ctx.Err(); err != nil {
			w.Close()
			return err
		}
		n, rerr := r.Read(buf)
		written += int64(n)
		if *left -= int64(n); *left < 0 {
			w.Close()
			return tooBig
		}
		if written > zipRatioFrom && written > maxZipRatio*(zr.n-start) {
			w.Close()
			return fmt.Errorf("%s: expands over %d times the bytes it is compressed to (the limit on a zip entry's compression ratio)", f.Name, maxZipRatio)
		}
		if _, err := w.Write(buf[:n]); err != nil {
			w.Close()
			return err
		}
		if rerr == io.EOF {
			break
		}
		if errors.Is(rerr, zip.ErrFormat) { // archive/zip's word for more bytes than the header claims
			w.Close()
			return fmt.Errorf("%s: malformed, or inflates past the %d bytes its header claims: %w", f.Name, f.UncompressedSize64, rerr)
		}
		if rerr != nil {
			w.Close()
			return fmt.Errorf("%s: %w", f.Name, rerr)
		}
	}
	return w.Close()
}

// countingReaderAt counts the bytes read through it.
type countingReaderAt struct {
	r io.ReaderAt
	n int64
}

func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.n += int64(n)
	return n, err
}

// zipEntries counts the entries of a zip's central directory as
// archive/zip will read them (it reads headers while they are valid,
// whatever count the end record gives), stopping past limit, without
// allocating per entry. A file that is no zip counts 0, for archive/zip to
// refuse.
func zipEntries(r io.ReaderAt, size int64, limit int) (int, error) {
	const (
		endLen, end64LocLen, end64Len, headerLen = 22, 20, 56, 46
	)
	tail := min(size, 65*1024)
	b := make([]byte, tail)
	if _, err := r.ReadAt(b, size-tail); err != nil && err != io.EOF {
		return 0, err
	}
	p := -1
	for i := len(b) - endLen; i >= 0; i-- {
		if string(b[i:i+4]) == "PK\x05\x06" {
			if int(binary.LittleEndian.Uint16(b[i+20:]))+endLen+i <= len(b) {
				p = i
			}
			break
		}
	}
	if p < 0 {
		return 0, nil
	}
	endAt := size - tail + int64(p)
	dirSize := uint64(binary.LittleEndian.Uint32(b[p+12:]))
	dirOff := uint64(binary.LittleEndian.Uint32(b[p+16:]))
	if binary.LittleEndian.Uint16(b[p+10:]) == 0xffff || dirSize == 0xffff || dirOff == 0xffffffff {
		var loc [end64LocLen]byte
		var e [end64Len]byte
		if at := endAt - end64LocLen; at >= 0 {
			if _, err := r.ReadAt(loc[:], at); err == nil && string(loc[:4]) == "PK\x06\x07" {
				at64 := int64(binary.LittleEndian.Uint64(loc[8:]))
				if at64 >= 0 && at64 < size {
					if _, err := r.ReadAt(e[:], at64); err == nil && string(e[:4]) == "PK\x06\x06" {
						endAt = at64
						dirSize = binary.LittleEndian.Uint64(e[40:])
						dirOff = binary.LittleEndian.Uint64(e[48:])
					}
				}
			}
		}
	}
	// archive/zip reads from dirOff past a base offset (data before the
	// zip) or, when it finds a header there, from dirOff itself: count both.
	n := 0
	for _, at := range []int64{endAt - int64(dirSize), int64(dirOff)} {
		if at < 0 || at >= size {
			continue
		}
		br := bufio.NewReaderSize(io.NewSectionReader(r, at, size-at), 64<<10)
		var h [headerLen]byte
		k := 0
		for k <= limit {
			if _, err := io.ReadFull(br, h[:]); err != nil || string(h[:4]) != "PK\x01\x02" {
				break
			}
			k++
			skip := int(binary.LittleEndian.Uint16(h[28:])) + int(binary.LittleEndian.Uint16(h[30:])) + int(binary.LittleEndian.Uint16(h[32:]))
			if _, err := br.Discard(skip); err != nil {
				break
			}
		}
		n = max(n, k)
	}
	return n, nil
}
