// Command memload loads a store into the live index, as serve does, and
// reports the heap and RSS it holds afterwards; -heap writes a heap profile.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/greenreach/greenreach/live"
	"github.com/greenreach/greenreach/store/open"
)

func main() {
	db := flag.String("db", "", "store")
	heap := flag.String("heap", "", "write a heap profile here")
	flag.Parse()
	ctx := context.Background()
	st, err := open.Store(ctx, *db)
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	start := time.Now()
	ix, err := live.Load(ctx, st, nil)
	if err != nil {
		log.Fatal(err)
	}
	el := time.Since(start)
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Printf("load %.1f s, heap in use %d MB, sys %d MB, %s\n", el.Seconds(), ms.HeapInuse>>20, ms.Sys>>20, status())
	if *heap != "" {
		f, err := os.Create(*heap)
		if err != nil {
			log.Fatal(err)
		}
		pprof.WriteHeapProfile(f)
		f.Close()
	}
	runtime.KeepAlive(ix)
}

func status() string {
	b, _ := os.ReadFile("/proc/self/status")
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmRSS") || strings.HasPrefix(l, "VmHWM") {
			out = append(out, strings.Join(strings.Fields(l), " "))
		}
	}
	return strings.Join(out, ", ")
}
