package survey

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strings"
)

// MaxBody is the largest edit Decode reads, in bytes.
const MaxBody = 16 << 10

// Decode reads an edit from a JSON object of survey fields and an
// optional "note": {"trees": 120, "grade": 2, "unit": "U01", "note": "…"};
// null clears a field. Unknown keys, a field of the wrong type, a whole
// number given with a fraction and text that is not one JSON object are
// InputErrors naming the key; bounds that need no green space are checked
// too (the rest by Apply).
func Decode(body []byte) (Edit, error) {
	var e Edit
	if len(body) > MaxBody {
		return e, inputErr("", "an edit of %d bytes, more than its limit of %d", len(body), MaxBody)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var raw map[string]json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return e, inputErr("", "the body is not a JSON object of survey fields: %v", err)
	}
	if dec.More() {
		return e, inputErr("", "the body holds more than one JSON value")
	}
	if raw == nil {
		return e, inputErr("", "the body is null, not a JSON object of survey fields")
	}
	// In the schema's order, so that history entries come in it too.
	for _, k := range append([]string{"note"}, Fields...) {
		v, ok := raw[k]
		if !ok {
			continue
		}
		delete(raw, k)
		if k == "note" {
			if err := json.Unmarshal(v, &e.Note); err != nil {
				return e, inputErr(k, "want text")
			}
			continue
		}
		val, err := decodeValue(k, v)
		if err != nil {
			return e, err
		}
		e.Changes = append(e.Changes, Change{Field: k, Value: val})
	}
	for k := range raw {
		return e, inputErr(k, "not a survey field (want one of %s, or note)", strings.Join(Fields, ", "))
	}
	return e, checkEdit(e)
}

func decodeValue(field string, v json.RawMessage) (any, error) {
	if string(bytes.TrimSpace(v)) == "null" {
		return nil, nil
	}
	switch field {
	case "unit":
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return nil, inputErr(field, "want a unit's id as text, not %s", clip(v))
		}
		if s == "" {
			return nil, nil
		}
		return s, nil
	case "grade", "trees":
		n, err := number(field, v)
		if err != nil {
			return nil, err
		}
		if n != math.Trunc(n) {
			return nil, inputErr(field, "%s: want a whole number", clip(v))
		}
		if math.Abs(n) > 1<<53 {
			return nil, inputErr(field, "%s is out of range", clip(v))
		}
		return int64(n), nil
	default:
		return number(field, v)
	}
}

// number reads a JSON number (not a string holding one).
func number(field string, v json.RawMessage) (float64, error) {
	var n json.Number
	d := json.NewDecoder(bytes.NewReader(v))
	d.UseNumber()
	if err := d.Decode(&n); err != nil {
		return 0, inputErr(field, "want a number, not %s", clip(v))
	}
	if _, err := json.Marshal(n); err != nil || strings.HasPrefix(string(bytes.TrimSpace(v)), `"`) {
		return 0, inputErr(field, "want a number, not %s", clip(v))
	}
	x, err := n.Float64()
	if err != nil || math.IsInf(x, 0) || math.IsNaN(x) {
		return 0, inputErr(field, "%s is not a finite number", clip(v))
	}
	return x, nil
}

// clip quotes at most 40 bytes of a value for an error.
func clip(v json.RawMessage) string {
	s := strings.TrimSpace(string(v))
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return fmt.Sprintf("%q", s)
}
