package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"time"
)

// The bystander probes /healthz from a process of its own, as a visitor
// on another machine would: inside the load generator, its timings also
// held the generator's own garbage collection and scheduling (building
// and sending huge queries kept a core and a half busy), which is not the
// service's latency.

// probeEnv names the environment variable that turns this command into
// the probe: "URL RATE DURATION".
const probeEnv = "ABUSELOAD_PROBE"

// probeWire is a probe process's answer on its standard output.
type probeWire struct {
	Lat  []int64 `json:"lat_ns"`
	Fail int     `json:"fail"`
}

// probeMain runs the probe when this process was started as one; it
// reports whether it was.
func probeMain() bool {
	spec := os.Getenv(probeEnv)
	if spec == "" {
		return false
	}
	var url string
	var rate float64
	var dur time.Duration
	if _, err := fmt.Sscan(spec, &url, &rate, &dur); err != nil || rate <= 0 || dur <= 0 {
		fmt.Fprintf(os.Stderr, "abuseload probe: %s=%q: want URL RATE DURATION\n", probeEnv, spec)
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), dur)
	defer cancel()
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	res := probe(ctx, client, url, rate)
	w := probeWire{Fail: res.fail}
	for _, d := range res.lat {
		w.Lat = append(w.Lat, int64(d))
	}
	if err := json.NewEncoder(os.Stdout).Encode(w); err != nil {
		os.Exit(1)
	}
	return true
}

// probeProcess starts a probe of url at rate per second for dur in a
// process of its own; wait returns what it saw.
func probeProcess(url string, rate float64, dur time.Duration) (wait func() (probeResult, error), err error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), probeEnv+"="+url+" "+strconv.FormatFloat(rate, 'f', -1, 64)+" "+dur.String())
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return func() (probeResult, error) {
		var w probeWire
		derr := json.NewDecoder(out).Decode(&w)
		if err := cmd.Wait(); err != nil {
			return probeResult{}, fmt.Errorf("the /healthz probe: %w", err)
		}
		if derr != nil {
			return probeResult{}, fmt.Errorf("the /healthz probe's answer: %w", derr)
		}
		res := probeResult{fail: w.Fail}
		for _, d := range w.Lat {
			res.lat = append(res.lat, time.Duration(d))
		}
		return res, nil
	}, nil
}
