package main

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// TestCPUClocks: a "cluster" whose postmaster is this process is charged
// this process's CPU time (to /proc's 10 ms ticks), as getrusage counts it,
// and both grow by the CPU burnt between two readings.
func TestCPUClocks(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	pid := strconv.Itoa(os.Getpid()) + "\n/some/data/dir\n"
	if err := os.WriteFile(filepath.Join(dir, "data", "postmaster.pid"), []byte(pid), 0o644); err != nil {
		t.Fatal(err)
	}
	cluster := clusterCPU(dir)
	read := func() (time.Duration, time.Duration) {
		c, err := cluster()
		if err != nil {
			t.Fatal(err)
		}
		s, err := selfCPU()
		if err != nil {
			t.Fatal(err)
		}
		return c, s
	}
	c0, s0 := read()
	x, end := 1.0, time.Now().Add(300*time.Millisecond)
	for time.Now().Before(end) { // burn 0.3 s of CPU
		for i := 0; i < 1000; i++ {
			x = x*1.0000001 + 1e-9
		}
	}
	c1, s1 := read()
	if x == 0 {
		t.Log(x)
	}
	for _, d := range []time.Duration{c1 - c0, s1 - s0} {
		if d < 250*time.Millisecond || d > 2*time.Second {
			t.Errorf("0.3 s burnt: cluster clock %s, self clock %s", c1-c0, s1-s0)
			break
		}
	}
	if diff := c1 - s1; diff < -100*time.Millisecond || diff > 100*time.Millisecond {
		t.Errorf("the cluster clock on this process reads %s, getrusage %s", c1, s1)
	}
	if _, err := clusterCPU(t.TempDir())(); err == nil {
		t.Error("a directory without postmaster.pid gave no error")
	}
}
