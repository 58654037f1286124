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
	// Burn 0.3 s of CPU as getrusage counts it, not 0.3 s of wall time: on
	// a busy machine the second is not the first.
	x, deadline := 1.0, time.Now().Add(20*time.Second)
	for time.Now().Before(deadline) {
		for i := 0; i < 100000; i++ {
			x = x*1.0000001 + 1e-9
		}
		if s, err := selfCPU(); err != nil {
			t.Fatal(err)
		} else if s-s0 >= 300*time.Millisecond {
			break
		}
	}
	c1, s1 := read()
	if x == 0 {
		t.Log(x)
	}
	if d := s1 - s0; d < 300*time.Millisecond {
		t.Fatalf("20 s of wall time burnt only %s of CPU", d)
	}
	if d := c1 - c0; d < 250*time.Millisecond || d > 2*time.Second {
		t.Errorf("0.3 s burnt: cluster clock %s, self clock %s", c1-c0, s1-s0)
	}
	if diff := c1 - s1; diff < -100*time.Millisecond || diff > 100*time.Millisecond {
		t.Errorf("the cluster clock on this process reads %s, getrusage %s", c1, s1)
	}
	if _, err := clusterCPU(t.TempDir())(); err == nil {
		t.Error("a directory without postmaster.pid gave no error")
	}
}
