package api

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"time"
)

// httpServer is the http.Server that ListenAndServe runs: the handler with
// the configured timeouts.
func (s *Server) httpServer() *http.Server {
	return &http.Server{
		Addr:              s.cfg.Addr,
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       s.cfg.ReadTimeout,
		WriteTimeout:      s.cfg.WriteTimeout,
		MaxHeaderBytes:    cmp.Or(s.cfg.MaxHeaderBytes, 64<<10),
	}
}

// ListenAndServe serves until ctx is cancelled, then drains requests.
func (s *Server) ListenAndServe(ctx context.Context) error {
	defer s.audits.Close()
	srv := s.httpServer()
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	s.log.Info("serving", "addr", s.cfg.Addr, "store", s.store.Kind())
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.log.Info("shutting down: draining requests")
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
