//go:build cgo && !purego

package gzip

/*
#cgo LDFLAGS: -ldeflate -lisal
#include <stdlib.h>
#include <libdeflate.h>
#include <isa-l/igzip_lib.h>

// isal_gzip compresses in[0:n] into out[0:cap] as one gzip member with
// ISA-L's level 1, returning the bytes written, or 0 when they do not fit.
// The stream and level buffer are C memory; the caller's pointers are
// cleared from them before returning.
static size_t isal_gzip(struct isal_zstream *s, uint8_t *lvl, uint8_t *in, uint32_t n, uint8_t *out, uint32_t cap) {
	isal_deflate_stateless_init(s);
	s->level = 1;
	s->level_buf = lvl;
	s->level_buf_size = ISAL_DEF_LVL1_DEFAULT;
	s->gzip_flag = IGZIP_GZIP;
	s->end_of_stream = 1;
	s->flush = NO_FLUSH;
	s->next_in = in;
	s->avail_in = n;
	s->next_out = out;
	s->avail_out = cap;
	int rc = isal_deflate_stateless(s);
	size_t written = s->total_out;
	s->next_in = NULL;
	s->next_out = NULL;
	return rc == COMP_OK ? written : 0;
}

static struct isal_zstream *isal_alloc(uint8_t **lvl) {
	struct isal_zstream *s = malloc(sizeof *s);
	*lvl = malloc(ISAL_DEF_LVL1_DEFAULT);
	if (s == NULL || *lvl == NULL) {
		free(s);
		free(*lvl);
		return NULL;
	}
	return s;
}
*/
import "C"

import (
	"errors"
	"runtime"
	"slices"
	"sync"
	"unsafe"
)

// IsalFrom: at level Fast, inputs of at least this many bytes are
// compressed by ISA-L, shorter ones by libdeflate, which is as fast or
// faster below it (bench/RESULTS.md).
const IsalFrom = 4096

type compressor struct {
	c *C.struct_libdeflate_compressor
}

var pools [Best + 1]sync.Pool

func get(level int) (*compressor, error) {
	if z, ok := pools[level].Get().(*compressor); ok {
		return z, nil
	}
	c := C.libdeflate_alloc_compressor(C.int(level))
	if c == nil {
		return nil, errors.New("gzip: libdeflate could not make a compressor")
	}
	z := &compressor{c: c}
	// A pooled compressor the garbage collector drops frees its C state.
	runtime.AddCleanup(z, func(c *C.struct_libdeflate_compressor) { C.libdeflate_free_compressor(c) }, c)
	return z, nil
}

// isal is an ISA-L stream and its level 1 buffer, in C memory.
type isal struct {
	s   *C.struct_isal_zstream
	lvl *C.uint8_t
}

var isals sync.Pool

func getIsal() (*isal, error) {
	if z, ok := isals.Get().(*isal); ok {
		return z, nil
	}
	var lvl *C.uint8_t
	s := C.isal_alloc(&lvl)
	if s == nil {
		return nil, errors.New("gzip: no memory for an ISA-L stream")
	}
	z := &isal{s: s, lvl: lvl}
	runtime.AddCleanup(z, func(z isal) { C.free(unsafe.Pointer(z.s)); C.free(unsafe.Pointer(z.lvl)) }, *z)
	return z, nil
}

// appendLevel is Append: by ISA-L at level Fast when src has IsalFrom
// bytes or more, else by libdeflate.
func appendLevel(dst, src []byte, level int) ([]byte, error) {
	if level == Fast && len(src) >= IsalFrom {
		return appendIsal(dst, src)
	}
	return appendLibdeflate(dst, src, level)
}

// appendIsal is Append by ISA-L's level 1, into room for the input and an
// eighth more; when that does not fit (it should not: ISA-L falls back to
// stored blocks), or the input is too long for ISA-L's 32-bit lengths, by
// libdeflate.
func appendIsal(dst, src []byte) ([]byte, error) {
	if len(src) > 1<<30 {
		return appendLibdeflate(dst, src, Fast)
	}
	z, err := getIsal()
	if err != nil {
		return dst, err
	}
	defer isals.Put(z)
	bound := len(src) + len(src)/8 + 1024
	dst = slices.Grow(dst, bound)
	n := isalInto(z, dst[len(dst):len(dst)+bound], src)
	if n == 0 {
		return appendLibdeflate(dst, src, Fast)
	}
	return dst[:len(dst)+n], nil
}

// isalInto compresses src into out by ISA-L's level 1 and returns the
// bytes written, 0 when they do not fit.
func isalInto(z *isal, out, src []byte) int {
	n := C.isal_gzip(z.s, z.lvl, (*C.uint8_t)(unsafe.Pointer(unsafe.SliceData(src))), C.uint32_t(len(src)),
		(*C.uint8_t)(unsafe.Pointer(unsafe.SliceData(out))), C.uint32_t(len(out)))
	runtime.KeepAlive(src)
	runtime.KeepAlive(out)
	return int(n)
}

func appendLibdeflate(dst, src []byte, level int) ([]byte, error) {
	z, err := get(level)
	if err != nil {
		return dst, err
	}
	defer pools[level].Put(z)
	bound := int(C.libdeflate_gzip_compress_bound(z.c, C.size_t(len(src))))
	dst = slices.Grow(dst, bound)
	out := dst[len(dst) : len(dst)+bound]
	var in unsafe.Pointer
	if len(src) > 0 {
		in = unsafe.Pointer(unsafe.SliceData(src))
	}
	n := C.libdeflate_gzip_compress(z.c, in, C.size_t(len(src)), unsafe.Pointer(unsafe.SliceData(out)), C.size_t(bound))
	runtime.KeepAlive(src)
	if n == 0 {
		return dst, errors.New("gzip: libdeflate's output exceeded its own bound")
	}
	return dst[:len(dst)+int(n)], nil
}
