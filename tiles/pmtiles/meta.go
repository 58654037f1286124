package pmtiles

import "encoding/json"

func gzipJSON(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return gzipBytes(b)
}
