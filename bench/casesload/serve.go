package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// server is a running `greenreach serve` with an admin token.
type server struct {
	name, base, token string
	cmd               *exec.Cmd
	client            *http.Client
}

// startServe makes an admin token in the store db and serves it on a free
// loopback port, waiting until /readyz answers.
func startServe(ctx context.Context, bin, db, dir, name string) (*server, error) {
	var out, errb bytes.Buffer
	tok := exec.CommandContext(ctx, bin, "--db", db, "token", "create", "--name", "casesload-"+name, "--role", "admin")
	tok.Stdout, tok.Stderr = &out, &errb
	if err := tok.Run(); err != nil {
		return nil, fmt.Errorf("%s: token create: %v: %s", name, err, errb.String())
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	logf, err := os.Create(filepath.Join(dir, "serve-"+name+".log"))
	if err != nil {
		return nil, err
	}
	// A year's assessment may take longer than the default 30 s on a busy
	// machine; the bench measures it, so it may run to the end.
	cmd := exec.Command(bin, "--db", db, "serve", "--addr", addr, "--query-timeout", "300s")
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{name: name, base: "http://" + addr, token: strings.TrimSpace(out.String()), cmd: cmd,
		client: &http.Client{Timeout: 10 * time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: 8, DisableCompression: true}}}
	start := time.Now()
	for {
		resp, err := http.Get(s.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Since(start) > 3*time.Minute {
			s.stop()
			return nil, fmt.Errorf("%s: serve not ready after %s (log %s)", name, time.Since(start).Round(time.Second), logf.Name())
		}
		time.Sleep(100 * time.Millisecond)
	}
	fmt.Fprintf(os.Stderr, "serve on %s ready in %s\n", name, time.Since(start).Round(time.Millisecond))
	return s, nil
}

func (s *server) stop() {
	if s.cmd.Process != nil {
		s.cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { s.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			s.cmd.Process.Kill()
			<-done
		}
	}
}

// get fetches path with the admin token: the body, the status and the
// time to the last byte.
func (s *server) get(ctx context.Context, path string) ([]byte, int, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.base+path, nil)
	if err != nil {
		return nil, 0, 0, err
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	start := time.Now()
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, 0, 0, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	return body, resp.StatusCode, time.Since(start), err
}
