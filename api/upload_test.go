package api

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/greenreach/greenreach/geo"
)

// TestUploadPace: through a real http.Server with the production timeouts
// (a 1 s ReadTimeout and WriteTimeout here), an upload that arrives over
// 2.5 s faster than the minimum rate is imported; a body trickling below
// the rate is cut off soon after the grace, nothing of it imported; and
// neither leaves a file in the upload directory (Config.TempDir), where the
// upload is while it arrives.
func TestUploadPace(t *testing.T) {
	s, _, ix := newTestServer(t)
	s.cfg.ReadTimeout = time.Second
	s.cfg.WriteTimeout = time.Second
	s.cfg.UploadMinRate = 16 << 10
	s.cfg.TempDir = t.TempDir()
	ts := httptest.NewUnstartedServer(nil)
	ts.Config = s.httpServer()
	ts.Start()
	defer ts.Close()
	greens := func() int { return ix.Snapshot().Layer(geo.Green).Len() }
	before := greens()

	// send posts body in chunks of size bytes, one every gap.
	send := func(body string, size int, gap time.Duration) (int, string, time.Duration, error) {
		pr, pw := io.Pipe()
		go func() {
			for i := 0; i < len(body); i += size {
				time.Sleep(gap)
				if _, err := pw.Write([]byte(body[i:min(i+size, len(body))])); err != nil {
					return
				}
			}
			pw.Close()
		}()
		defer pr.Close()
		start := time.Now()
		resp, err := http.Post(ts.URL+"/api/import?format=geojson&layer=green&source=slow", "application/geo+json", pr)
		if err != nil {
			return 0, "", time.Since(start), err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Content-Type") + " " + string(b), time.Since(start), nil
	}
	park := `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"慢传公园","kind":"park"},"geometry":{"type":"Polygon","coordinates":[[[104.07,30.67],[104.071,30.67],[104.071,30.671],[104.07,30.671],[104.07,30.67]]]}}]}`
	// 100 KiB at 40 KiB/s: 2.5 s, above the 16 KiB/s minimum.
	body := park + strings.Repeat(" ", 100<<10-len(park))
	during := make(chan []os.DirEntry, 1)
	go func() { // midway, the upload is in the upload directory
		time.Sleep(1200 * time.Millisecond)
		es, _ := os.ReadDir(s.cfg.TempDir)
		during <- es
	}()
	code, answer, took, err := send(body, 4<<10, 100*time.Millisecond)
	if es := <-during; len(es) != 1 || !strings.HasPrefix(es[0].Name(), "greenreach-upload-") {
		t.Errorf("midway through the upload, the upload directory holds %v, want its greenreach-upload-* file", es)
	}
	if err != nil || code != 200 || greens() != before+1 {
		t.Fatalf("a steady upload over %s: %d %v %s; %d green features, had %d", took.Round(time.Millisecond), code, err, answer, greens(), before)
	}
	if took < 2*time.Second {
		t.Fatalf("the steady upload took %s: not longer than the read timeout", took)
	}

	// 5 bytes/s: cut off after about the 1 s grace, long before the body
	// would end (a minute).
	slow := strings.Replace(park, "慢传公园", "涓流公园", 1)
	code, answer, took, err = send(slow, 1, 200*time.Millisecond)
	if err == nil && (code != http.StatusRequestTimeout || !strings.HasPrefix(answer, "application/problem+json") || !strings.Contains(answer, "16 KiB/s")) {
		t.Errorf("a trickling upload: %d %s, want 408 problem+json naming the rate, or a closed connection", code, answer)
	}
	if took > 5*time.Second {
		t.Errorf("the trickling upload lasted %s", took)
	}
	t.Logf("trickle: %d %v after %s", code, err, took.Round(time.Millisecond))
	if greens() != before+1 {
		t.Errorf("after the trickle: %d green features, want %d", greens(), before+1)
	}
	left, err := os.ReadDir(s.cfg.TempDir)
	if err != nil || len(left) != 0 {
		t.Errorf("the uploads left %v in the upload directory (%v)", left, err)
	}
}
