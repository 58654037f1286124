package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
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
	url, rate, dur, err := parseProbeSpec(spec)
	if err != nil {
		fmt.Fprintf(os.Stderr, "abuseload probe: %s=%q: %v\n", probeEnv, spec, err)
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

// parseProbeSpec reads "URL RATE DURATION" (DURATION as time.ParseDuration
// reads it: fmt.Sscan would take "5s" for 5 ns).
func parseProbeSpec(spec string) (url string, rate float64, dur time.Duration, err error) {
	f := strings.Fields(spec)
	if len(f) != 3 {
		return "", 0, 0, errors.New("want URL RATE DURATION")
	}
	if rate, err = strconv.ParseFloat(f[1], 64); err != nil || rate <= 0 {
		return "", 0, 0, fmt.Errorf("rate %q: want a positive number", f[1])
	}
	if dur, err = time.ParseDuration(f[2]); err != nil || dur <= 0 {
		return "", 0, 0, fmt.Errorf("duration %q: want a positive duration such as 30s", f[2])
	}
	return f[0], rate, dur, nil
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
		if len(res.lat) == 0 {
			return res, fmt.Errorf("the /healthz probe of %s made no probe in %s", url, dur)
		}
		return res, nil
	}, nil
}
