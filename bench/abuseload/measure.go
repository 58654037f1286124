package main

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"sync"
	"time"
)

// counts are a flood's answers by class.
type counts struct {
	n                                 int // requests sent
	ok, c4xx, c429, c503, c5xx, other int // answers by status
	errs                              int // no answer (reset, refused, client timeout)
	cut                               int // still open when the flood ended
	errText                           map[string]int
}

// add counts one request's outcome: its status, or the error that ended it
// (floodEnded: the flood's own end cut it short).
func (c *counts) add(status int, err error, floodEnded bool) {
	c.n++
	switch {
	case err != nil && floodEnded:
		c.cut++
	case err != nil:
		c.errs++
		if c.errText == nil {
			c.errText = map[string]int{}
		}
		c.errText[errText(err)]++
	case status >= 200 && status < 300:
		c.ok++
	case status == http.StatusTooManyRequests:
		c.c429++
	case status == http.StatusServiceUnavailable:
		c.c503++
	case status >= 400 && status < 500:
		c.c4xx++
	case status >= 500 && status < 600:
		c.c5xx++
	default:
		c.other++
	}
}

func (c *counts) merge(o counts) {
	c.n += o.n
	c.ok += o.ok
	c.c4xx += o.c4xx
	c.c429 += o.c429
	c.c503 += o.c503
	c.c5xx += o.c5xx
	c.other += o.other
	c.errs += o.errs
	c.cut += o.cut
	for k, v := range o.errText {
		if c.errText == nil {
			c.errText = map[string]int{}
		}
		c.errText[k] += v
	}
}

// errText is an error without the request's URL, so that the same failure
// on different URLs counts once.
func errText(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Op + ": " + ue.Err.Error()
	}
	return err.Error()
}

// percentile is the p-th percentile (nearest rank) of d, sorted in place.
func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	rank := int(float64(len(d))*p/100+0.9999999) - 1 // ceil(p·n) − 1
	return d[min(len(d)-1, max(0, rank))]
}

// flooder sends a flood's requests from many connections at once.
type flooder struct {
	client *http.Client
	base   string
	conns  int
}

// run sends requests from next on every connection, each as soon as the
// one before it is answered, until ctx ends, and counts the answers.
func (f flooder) run(ctx context.Context, seed uint64, next func(*rand.Rand) (method, path string)) counts {
	var mu sync.Mutex
	var total counts
	var wg sync.WaitGroup
	for i := range f.conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(seed, uint64(i)))
			var mine counts
			for ctx.Err() == nil {
				method, path := next(r)
				status, err := f.do(ctx, method, path)
				mine.add(status, err, ctx.Err() != nil)
			}
			mu.Lock()
			total.merge(mine)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return total
}

// do sends one request and reads its whole answer.
func (f flooder) do(ctx context.Context, method, path string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, method, f.base+path, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := f.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return 0, err
	}
	return resp.StatusCode, nil
}

// probeResult is /healthz as a bystander saw it.
type probeResult struct {
	lat  []time.Duration // every probe, failed ones at the time they took
	fail int             // probes without a 200
}

// probe asks url at a steady rate per second until ctx ends — each probe
// on time, whether or not those before it are answered, so that a stalled
// service shows as the latency it caused — and waits for the last answers.
func probe(ctx context.Context, client *http.Client, url string, rate float64) probeResult {
	var mu sync.Mutex
	var res probeResult
	var wg sync.WaitGroup
	tick := time.NewTicker(time.Duration(float64(time.Second) / rate))
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			wg.Wait()
			return res
		case <-tick.C:
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.Now()
			ok := false
			if resp, err := client.Get(url); err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				ok = resp.StatusCode == http.StatusOK
			}
			d := time.Since(t)
			mu.Lock()
			res.lat = append(res.lat, d)
			if !ok {
				res.fail++
			}
			mu.Unlock()
		}()
	}
}

// rssSampler reads a process's VmRSS every interval until stopped.
type rssSampler struct {
	stop    chan struct{}
	done    chan struct{}
	samples []float64
	over    func(mb float64) // called once when a sample passes limit
	limit   float64
}

func sampleRSS(pid int, every time.Duration, limit float64, over func(float64)) *rssSampler {
	s := &rssSampler{stop: make(chan struct{}), done: make(chan struct{}), limit: limit, over: over}
	go func() {
		defer close(s.done)
		tick := time.NewTicker(every)
		defer tick.Stop()
		fired := false
		for {
			if rss, _, err := memMB(pid); err == nil {
				s.samples = append(s.samples, rss)
				if !fired && s.limit > 0 && rss > s.limit && s.over != nil {
					fired = true
					s.over(rss)
				}
			}
			select {
			case <-s.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return s
}

// end stops sampling and returns the samples' median and largest.
func (s *rssSampler) end() (median, peak float64) {
	close(s.stop)
	<-s.done
	if len(s.samples) == 0 {
		return 0, 0
	}
	v := append([]float64(nil), s.samples...)
	sort.Float64s(v)
	return v[len(v)/2], v[len(v)-1]
}
