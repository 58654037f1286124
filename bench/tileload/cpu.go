package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The CPU time the server under test spends per tile, beside tiles/s:
// tiles/s on this shared two-core machine also measure the load generator
// (wrk takes a share of the cores while it loads greenreach, none while
// PostGIS is called directly) and neighbours' moods; CPU per tile does not.

// cpuClock reads a CPU time that only grows.
type cpuClock func() (time.Duration, error)

// selfCPU is this process's user and system time: the greenreach server
// (and the HTTP front of PostGIS) when wrk is the load generator.
func selfCPU() (time.Duration, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, fmt.Errorf("getrusage: %w", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), nil
}

// clusterCPU is the user and system time of a PostgreSQL cluster's
// processes: the postmaster of dir/data/postmaster.pid, its children, and
// the children it has reaped, from /proc (clock ticks of 10 ms).
func clusterCPU(dir string) cpuClock {
	return func() (time.Duration, error) {
		b, err := os.ReadFile(filepath.Join(dir, "data", "postmaster.pid"))
		if err != nil {
			return 0, err
		}
		pm, _, _ := strings.Cut(string(b), "\n")
		procs, err := filepath.Glob("/proc/[0-9]*/stat")
		if err != nil {
			return 0, err
		}
		var ticks int64
		for _, p := range procs {
			b, err := os.ReadFile(p)
			if err != nil {
				continue // gone since the listing
			}
			// After the command's ")" : state ppid ... utime(14) stime(15)
			// cutime(16) cstime(17), counting fields from 1.
			s := string(b)
			i := strings.LastIndexByte(s, ')')
			if i < 0 {
				continue
			}
			pid, _, _ := strings.Cut(s, " ")
			f := strings.Fields(s[i+1:])
			if len(f) < 15 || (pid != pm && f[1] != pm) {
				continue
			}
			n := 2 // utime, stime
			if pid == pm {
				n = 4 // and its reaped children's
			}
			for _, v := range f[11 : 11+n] {
				t, _ := strconv.ParseInt(v, 10, 64)
				ticks += t
			}
		}
		return time.Duration(ticks) * 10 * time.Millisecond, nil
	}
}

// sum adds clocks.
func sum(clocks ...cpuClock) cpuClock {
	return func() (time.Duration, error) {
		var total time.Duration
		for _, c := range clocks {
			d, err := c()
			if err != nil {
				return 0, err
			}
			total += d
		}
		return total, nil
	}
}

// timed runs run and sets its result's CPU time per tile by clock (none
// when clock is nil).
func timed(clock cpuClock, run func() result) result {
	if clock == nil {
		return run()
	}
	c0, err0 := clock()
	t0 := time.Now()
	r := run()
	wall := time.Since(t0)
	c1, err1 := clock()
	if err0 == nil && err1 == nil && r.rate > 0 {
		r.cpuPerTile = time.Duration(float64(c1-c0) / (r.rate * wall.Seconds()))
	}
	return r
}
