package postgis

import (
	"context"
	"testing"
	"time"

	"github.com/greenreach/greenreach/store"
	"github.com/greenreach/greenreach/store/storetest"
)

// TestPostGISWatch: a write through one store is heard by a watcher on
// another connection pool to the same schema.
func TestPostGISWatch(t *testing.T) {
	dsn := testURL(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, err := Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	heard := make(chan struct{}, 8)
	go b.Watch(ctx, func() { heard <- struct{}{} })
	select { // the catch-up call once listening
	case <-heard:
	case <-time.After(5 * time.Second):
		t.Fatal("the watcher never started")
	}
	if _, err := a.Write(ctx, func(tx store.Tx) error { return tx.Put(ctx, storetest.Sample("w", "1", 104, 30.6)) }); err != nil {
		t.Fatal(err)
	}
	select {
	case <-heard:
	case <-time.After(2 * time.Second):
		t.Fatal("the write was not heard")
	}
}
