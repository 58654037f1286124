package photo

import (
	"errors"
	"fmt"
)

// ErrRefused is wrapped by every refusal of an input photo (NotImageError,
// LimitError, InvalidError), so that a caller answers 4xx for any of them
// and 500 for anything else.
var ErrRefused = errors.New("photo refused")

// NotImageError is the refusal of content that is not a JPEG, PNG or WebP
// image, whatever its name or declared type; What names what it is.
type NotImageError struct{ What string }

func (e *NotImageError) Error() string {
	return "photo: not a JPEG, PNG or WebP image: " + e.What
}

func (e *NotImageError) Unwrap() error { return ErrRefused }

// LimitError is the refusal of a photo over one of the Limits: Limit names
// it ("bytes", "pixels", "memory", "scans"), Got is what the photo has or
// needs (for "bytes", at least that many), Max the limit.
type LimitError struct {
	Limit    string
	Got, Max int64
}

func (e *LimitError) Error() string {
	switch e.Limit {
	case "bytes":
		return fmt.Sprintf("photo: larger than the limit of %d bytes", e.Max)
	case "pixels":
		return fmt.Sprintf("photo: %d pixels, over the limit of %d pixels", e.Got, e.Max)
	case "memory":
		return fmt.Sprintf("photo: decoding needs about %d bytes of memory, over the limit of %d bytes", e.Got, e.Max)
	case "scans":
		return fmt.Sprintf("photo: JPEG with more than %d scans (limit %d)", e.Got-1, e.Max)
	}
	return fmt.Sprintf("photo: %s %d over the limit of %d", e.Limit, e.Got, e.Max)
}

func (e *LimitError) Unwrap() error { return ErrRefused }

// InvalidError is the refusal of a photo that starts as an image of Format
// but is not a whole, valid one: truncated, corrupt, or with other data
// after its end (a polyglot).
type InvalidError struct {
	Format Format
	Detail string
}

func (e *InvalidError) Error() string {
	return fmt.Sprintf("photo: invalid %s image: %s", e.Format.Name(), e.Detail)
}

func (e *InvalidError) Unwrap() error { return ErrRefused }

func invalid(f Format, format string, args ...any) error {
	return &InvalidError{Format: f, Detail: fmt.Sprintf(format, args...)}
}
