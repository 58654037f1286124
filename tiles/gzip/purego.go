//go:build !cgo || purego

package gzip

import (
	"sync"

	kgzip "github.com/klauspost/compress/gzip"
)

// writer is a pooled klauspost/compress gzip writer and the slice it
// appends to.
type writer struct {
	zw  *kgzip.Writer
	out []byte
}

func (w *writer) Write(p []byte) (int, error) {
	w.out = append(w.out, p...)
	return len(p), nil
}

var writers [Best + 1]sync.Pool

// appendLevel is Append by klauspost/compress: level 0 stores, levels
// above its BestCompression (9) compress as 9.
func appendLevel(dst, src []byte, level int) ([]byte, error) {
	w, ok := writers[level].Get().(*writer)
	if !ok {
		w = &writer{}
		zw, err := kgzip.NewWriterLevel(w, min(level, kgzip.BestCompression))
		if err != nil {
			return dst, err
		}
		w.zw = zw
	} else {
		w.zw.Reset(w)
	}
	defer func() {
		w.out = nil
		writers[level].Put(w)
	}()
	w.out = dst
	if _, err := w.zw.Write(src); err != nil {
		return dst, err
	}
	if err := w.zw.Close(); err != nil {
		return dst, err
	}
	return w.out, nil
}
