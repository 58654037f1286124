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
// the rate is cut off soon after the grace, and so is one that pauses
// longer than the grace, nothing of either imported; and
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
	every := func(d time.Duration) func(int) time.Duration { return func(int) time.Duration { return d } }
	greens := func() int { return ix.Snapshot().Layer(geo.Green).Len() }
	before := greens()

	// send posts body in chunks of size bytes, chunk i after a pause of
	// gap(i).
	send := func(body string, size int, gap func(i int) time.Duration) (int, string, time.Duration, error) {
		pr, pw := io.Pipe()
		go func() {
			for i := 0; i < len(body); i += size {
				time.Sleep(gap(i / size))
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
	code, answer, took, err := send(body, 4<<10, every(100*time.Millisecond))
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
	code, answer, took, err = send(slow, 1, every(200*time.Millisecond))
	if err == nil && (code != http.StatusRequestTimeout || !strings.HasPrefix(answer, "application/problem+json") || !strings.Contains(answer, "16 KiB/s")) {
		t.Errorf("a trickling upload: %d %s, want 408 problem+json naming the rate, or a closed connection", code, answer)
	}
	if took > 5*time.Second {
		t.Errorf("the trickling upload lasted %s", took)
	}
	t.Logf("trickle: %d %v after %s", code, err, took.Round(time.Millisecond))

	// 64 KiB at once, then a pause of 5 s: within the average (64 KiB at
	// 16 KiB/s is 4 s past the grace), but a pause longer than the grace
	// is cut off after it.
	stall := strings.Replace(park, "慢传公园", "停顿公园", 1)
	stall += strings.Repeat(" ", 128<<10-len(stall))
	code, answer, took, err = send(stall, 64<<10, func(i int) time.Duration { return time.Duration(i) * 5 * time.Second })
	if err == nil && (code != http.StatusRequestTimeout || !strings.HasPrefix(answer, "application/problem+json")) {
		t.Errorf("a stalled upload: %d %s, want 408 problem+json or a closed connection", code, answer)
	}
	if took > 3*time.Second {
		t.Errorf("the stalled upload lasted %s", took)
	}
	t.Logf("stall: %d %v after %s", code, err, took.Round(time.Millisecond))
	if greens() != before+1 {
		t.Errorf("after the trickle and the stall: %d green features, want %d", greens(), before+1)
	}
	left, err := os.ReadDir(s.cfg.TempDir)
	if err != nil || len(left) != 0 {
		t.Errorf("the uploads left %v in the upload directory (%v)", left, err)
	}
}
