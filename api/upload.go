package api

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

// maxBodyBytes bounds the JSON body of a what-if (a scenario's body may
// hold 8 times it).
const maxBodyBytes = 1 << 20

// pacedBody is an upload's body read at a minimum average pace: before
// each read, the connection's read deadline moves to the start plus the
// grace (the server's ReadTimeout) plus the time the bytes received so far
// take at Config.UploadMinRate, or to the grace from now if that is
// sooner. A steady upload thus outlives ReadTimeout, a trickle is cut off
// after about the grace, so is a pause of the grace, and no upload lasts
// longer than the grace plus MaxUploadBytes at the minimum rate.
type pacedBody struct {
	body  io.ReadCloser
	rc    *http.ResponseController
	start time.Time
	grace time.Duration
	rate  int64 // bytes per second
	write time.Duration
	n     int64 // bytes received
	off   bool  // no connection to pace (a test's recorder)
}

// uploadBody returns r's body bounded by Config.MaxUploadBytes and, with
// a minimum rate configured, paced by it.
func (s *Server) uploadBody(w http.ResponseWriter, r *http.Request) io.Reader {
	body := http.MaxBytesReader(w, r.Body, s.cfg.MaxUploadBytes)
	if s.cfg.UploadMinRate <= 0 {
		return body
	}
	return &pacedBody{body: body, rc: http.NewResponseController(w), start: time.Now(), grace: s.uploadGrace(), rate: s.cfg.UploadMinRate, write: s.cfg.WriteTimeout}
}

// uploadGrace is the time an upload has before its pace counts: the
// server's read timeout (the default's when there is none).
func (s *Server) uploadGrace() time.Duration {
	if s.cfg.ReadTimeout > 0 {
		return s.cfg.ReadTimeout
	}
	return DefaultConfig().ReadTimeout
}

func (b *pacedBody) Read(p []byte) (int, error) {
	if !b.off {
		due := b.start.Add(b.grace + time.Duration(b.n/b.rate)*time.Second + time.Duration(b.n%b.rate)*time.Second/time.Duration(b.rate))
		if pause := time.Now().Add(b.grace); pause.Before(due) {
			due = pause
		}
		if err := b.rc.SetReadDeadline(due); errors.Is(err, http.ErrNotSupported) {
			b.off = true
		} else if err != nil {
			return 0, err
		}
	}
	n, err := b.body.Read(p)
	b.n += int64(n)
	if err != nil && !b.off && b.write > 0 {
		// The server's write deadline ran from the request's start; the
		// answer gets WriteTimeout from the body's end instead.
		b.rc.SetWriteDeadline(time.Now().Add(b.write))
	}
	return n, err
}

// slowUpload is the answer to an upload cut off by pacedBody's deadline,
// nil for other errors.
func (s *Server) slowUpload(err error) *appError {
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		return nil
	}
	rate := fmt.Sprintf("%d bytes/s", s.cfg.UploadMinRate)
	if s.cfg.UploadMinRate >= 1<<10 {
		rate = fmt.Sprintf("%d KiB/s", s.cfg.UploadMinRate>>10)
	}
	return &appError{Status: http.StatusRequestTimeout, Title: "Upload too slow", Detail: fmt.Sprintf("the body arrived slower than the minimum of %s on average (after a grace of %s); nothing was imported", rate, s.uploadGrace()), Err: err}
}
