//go:build cgo && !purego

package gzip

// AppendLibdeflate is libdeflate alone, for the benchmark against it.
var AppendLibdeflate = appendLibdeflate
