package gzip

import (
	"bytes"
	stdgzip "compress/gzip"
	"io"
	"math/rand"
	"sync"
	"testing"
)

// inputs: empty, one byte, text-like and random (incompressible) inputs up
// to 1 MB.
func inputs() [][]byte {
	rng := rand.New(rand.NewSource(1))
	var inputs [][]byte
	for _, n := range []int{0, 1, 17, 1000, 4096, 65536, 1 << 20} {
		text := make([]byte, n)
		for i := range text {
			text[i] = "greenreach 公园 \x00\x01\x02"[rng.Intn(20)]
		}
		noise := make([]byte, n)
		rng.Read(noise)
		inputs = append(inputs, text, noise)
	}
	return inputs
}

// TestAppendRoundTrip: Go's own gzip reader gets back every input at
// every level, appended after existing bytes, from 8 goroutines at once.
func TestAppendRoundTrip(t *testing.T) {
	inputs := inputs()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for level := Store; level <= Best; level += 1 + g%3 {
				for _, in := range inputs {
					prefix := []byte("prefix")
					out, err := Append(append([]byte(nil), prefix...), in, level)
					if err != nil {
						errs <- err
						return
					}
					if !bytes.HasPrefix(out, prefix) {
						t.Errorf("level %d: the bytes before were changed", level)
						return
					}
					if got, err := gunzip(out[len(prefix):]); err != nil || !bytes.Equal(got, in) {
						t.Errorf("level %d, %d bytes: round trip gave %d bytes, %v", level, len(in), len(got), err)
						return
					}
					if level == Store && len(out)-len(prefix) < len(in) {
						t.Errorf("level 0 compressed %d bytes to %d", len(in), len(out)-len(prefix))
					}
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if _, err := Append(nil, []byte("x"), 13); err == nil {
		t.Error("level 13 accepted")
	}
}

func gunzip(b []byte) ([]byte, error) {
	zr, err := stdgzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}

// BenchmarkAppend: a 4 KB text-like input at the fastest level.
func BenchmarkAppend(b *testing.B) {
	rng := rand.New(rand.NewSource(1))
	in := make([]byte, 4096)
	for i := range in {
		in[i] = byte(rng.Intn(40))
	}
	var out []byte
	b.SetBytes(int64(len(in)))
	for i := 0; i < b.N; i++ {
		out, _ = Append(out[:0], in, Fast)
	}
}
