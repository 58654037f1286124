package main

import (
	"fmt"
	"io"
	"os"
	"time"
)

// progress reports long work on stderr: a self-overwriting line on a
// terminal, a line every few seconds otherwise (logs, CI).
type progress struct {
	w     io.Writer
	what  string
	tty   bool
	start time.Time
	last  time.Time
	n     int
	layer string
}

func newProgress(cfg *config, what string) *progress {
	tty := false
	if f, ok := cfg.stderr.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			tty = true
		}
	}
	now := time.Now()
	return &progress{w: cfg.stderr, what: what, tty: tty, start: now, last: now}
}

func (p *progress) add(layer string, n int) {
	p.n += n
	p.layer = layer
	every := 5 * time.Second
	if p.tty {
		every = 200 * time.Millisecond
	}
	if time.Since(p.last) >= every {
		p.status(layer)
	}
}

func (p *progress) status(note string) {
	p.last = time.Now()
	el := time.Since(p.start)
	line := fmt.Sprintf("%s: %d features, %.0f/s, %s elapsed (%s)", p.what, p.n, float64(p.n)/el.Seconds(), el.Round(100*time.Millisecond), note)
	if p.tty {
		fmt.Fprintf(p.w, "\r\033[K%s", line)
	} else {
		fmt.Fprintln(p.w, line)
	}
}

func (p *progress) done() {
	if p.tty {
		fmt.Fprintln(p.w)
	}
}
