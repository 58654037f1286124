package main

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// service is one greenreach serve process under test.
type service struct {
	cmd  *exec.Cmd
	pid  int
	base string
	done chan struct{} // closed when the process has exited
	log  *tailBuffer
}

// startService runs bin --db db serve on a free loopback port with the
// extra serve flags, and waits until /readyz answers.
func startService(bin, db string, extra []string) (*service, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	args := append([]string{"--db", db, "serve", "--addr", addr}, extra...)
	cmd := exec.Command(bin, args...)
	log := &tailBuffer{max: 16 << 10}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &service{cmd: cmd, pid: cmd.Process.Pid, base: "http://" + addr, done: make(chan struct{}), log: log}
	go func() { cmd.Wait(); close(s.done) }()
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			return nil, fmt.Errorf("%s %s exited before it was ready: %s", bin, strings.Join(args, " "), log.tail())
		default:
		}
		if resp, err := client.Get(s.base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.stop()
	return nil, fmt.Errorf("%s was not ready within 2 minutes: %s", bin, log.tail())
}

// stop asks the service to shut down and kills it if it has not within 5 s
// (work the walk does not cancel may hold its drain).
func (s *service) stop() {
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
}

// exited reports whether the process has gone (crashed or killed).
func (s *service) exited() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// tailBuffer keeps the last max bytes written to it: the service's log,
// quoted when it fails.
type tailBuffer struct {
	mu  sync.Mutex
	b   []byte
	max int
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = append(t.b[:0], t.b[len(t.b)-t.max:]...)
	}
	return len(p), nil
}

// tail is the last few lines written.
func (t *tailBuffer) tail() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	lines := bytes.Split(bytes.TrimSpace(t.b), []byte("\n"))
	return string(bytes.Join(lines[max(0, len(lines)-5):], []byte("\n")))
}

// Memory from /proc/PID/status. VmRSS is the resident set now; VmHWM its
// peak since the process began or since resetPeak. The peak of a flood is
// VmHWM after a reset just before it (exact, however short the spike), and
// the largest VmRSS sampled during it where the reset is refused.

// statusKB reads a "Name:   123 kB" field of a /proc/PID/status text.
func statusKB(status, field string) (int64, bool) {
	for _, line := range strings.Split(status, "\n") {
		name, rest, ok := strings.Cut(line, ":")
		if !ok || name != field {
			continue
		}
		v, unit, _ := strings.Cut(strings.TrimSpace(rest), " ")
		if unit != "kB" {
			return 0, false
		}
		n, err := strconv.ParseInt(v, 10, 64)
		return n, err == nil
	}
	return 0, false
}

// memMB reads VmRSS and VmHWM of a process, in MiB.
func memMB(pid int) (rss, hwm float64, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	r, ok1 := statusKB(string(b), "VmRSS")
	h, ok2 := statusKB(string(b), "VmHWM")
	if !ok1 || !ok2 {
		return 0, 0, fmt.Errorf("/proc/%d/status has no VmRSS or VmHWM", pid)
	}
	return float64(r) / 1024, float64(h) / 1024, nil
}

// resetPeak sets VmHWM back to the current VmRSS (Linux ≥ 4.0).
func resetPeak(pid int) error {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0)
}

// CPU time from /proc/PID/stat: the service's user and system time, in
// clock ticks of 1/100 s (USER_HZ, fixed at 100 in what Linux reports).
// A flood's CPU seconds are the difference across it: how much of the
// machine the service itself used, beside the load generator.
const userHZ = 100

// statCPU reads utime + stime of a /proc/PID/stat text, in seconds. The
// command name, field 2, is in parentheses and may hold spaces and
// parentheses itself, so fields are counted from the last ')'.
func statCPU(stat string) (float64, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, fmt.Errorf("no command name in %.40q", stat)
	}
	f := strings.Fields(stat[i+1:]) // from field 3, state
	if len(f) < 13 {
		return 0, fmt.Errorf("%d fields after the command name, want ≥ 13", len(f))
	}
	var ticks int64
	for _, s := range f[11:13] { // fields 14 utime and 15 stime
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("utime/stime %q: %w", s, err)
		}
		ticks += n
	}
	return float64(ticks) / userHZ, nil
}

// cpuSeconds is the CPU time a process has used so far.
func cpuSeconds(pid int) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	return statCPU(string(b))
}

// cpuOf is cpuSeconds, 0 where /proc cannot be read (the table then shows
// no CPU rather than failing the run).
func cpuOf(pid int) float64 {
	s, _ := cpuSeconds(pid)
	return s
}

// selfCPU is the CPU time this process (the load generator and probe) has
// used so far.
func selfCPU() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}
