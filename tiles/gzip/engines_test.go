//go:build cgo && !purego

package gzip

import (
	"bytes"
	"testing"
)

// TestEngines: each engine alone round-trips every input; level Fast is
// ISA-L's output from IsalFrom bytes and libdeflate's below; ISA-L
// reports output that does not fit instead of writing past it.
func TestEngines(t *testing.T) {
	for _, in := range inputs() {
		isa, err := appendIsal(nil, in)
		if err != nil {
			t.Fatal(err)
		}
		lib, err := appendLibdeflate(nil, in, Fast)
		if err != nil {
			t.Fatal(err)
		}
		for name, out := range map[string][]byte{"ISA-L": isa, "libdeflate": lib} {
			if got, err := gunzip(out); err != nil || !bytes.Equal(got, in) {
				t.Errorf("%s, %d bytes: round trip gave %d bytes, %v", name, len(in), len(got), err)
			}
		}
		fast, _ := Append(nil, in, Fast)
		want, engine := lib, "libdeflate"
		if len(in) >= IsalFrom {
			want, engine = isa, "ISA-L"
		}
		if !bytes.Equal(fast, want) {
			t.Errorf("%d bytes at level Fast: not %s's output", len(in), engine)
		}
	}
	z, err := getIsal()
	if err != nil {
		t.Fatal(err)
	}
	in := inputs()[9] // 4 KB of noise
	out := make([]byte, len(in)+64)
	guard := out[len(in)/2:]
	for i := range guard {
		guard[i] = 0xAA
	}
	if n := isalInto(z, out[:len(in)/2], in); n != 0 {
		t.Errorf("%d bytes into %d: wrote %d", len(in), len(in)/2, n)
	}
	for i, c := range guard {
		if c != 0xAA {
			t.Fatalf("byte %d past the output was written", len(in)/2+i)
		}
	}
	if n := isalInto(z, out, in); n == 0 {
		t.Errorf("%d bytes into %d: did not fit", len(in), len(out))
	} else if got, err := gunzip(out[:n]); err != nil || !bytes.Equal(got, in) {
		t.Errorf("round trip: %v", err)
	}
}
