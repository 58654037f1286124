package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// Temporary files — uploads, the Shapefiles unpacked from zips — go into
// a directory of the process's own, run-XXX under a root private to the
// user (--tmp-dir, default $TMPDIR/greenreach-<uid>), beside run-XXX.lock,
// which the process holds locked while it runs. A crash or kill -9 leaves
// the directory behind; the next greenreach to start removes from it the
// files named as ours, and it too if that empties it. Nothing else is
// deleted, and no directory whose process still runs is touched.

const runPrefix = "run-"

// ourTemp reports whether name is one of the temporary files greenreach
// makes (api: the upload; importer/shapefile: the unpacked zip).
func ourTemp(name string) bool {
	return strings.HasPrefix(name, "greenreach-upload-") || strings.HasPrefix(name, "greenreach-shp-")
}

// tmpDirFlag defines --tmp-dir on fs, defaulting to $GREENREACH_TMP_DIR,
// else $TMPDIR/greenreach-<uid>.
func tmpDirFlag(fs *flag.FlagSet) *string {
	def := envOr("GREENREACH_TMP_DIR", filepath.Join(os.TempDir(), fmt.Sprintf("greenreach-%d", os.Getuid())))
	return fs.String("tmp-dir", def, "directory of the user's own for temporary files (uploads, unpacked zips); what a crashed run left there is removed at start ($GREENREACH_TMP_DIR)")
}

// tempDir is the process's own directory for temporary files.
type tempDir struct {
	Path    string
	Removed int // stale temporary files removed at start
	lock    *os.File
}

// openTempDir makes the process's directory under root, making root (0700)
// if need be, after removing what processes no longer running left there.
// root must be a directory of the user's that no one else may write in.
func openTempDir(root string) (*tempDir, error) {
	root, err := privateRoot(root)
	if err != nil {
		return nil, err
	}
	d := &tempDir{Removed: sweepStale(root)}
	for try := 0; try < 10; try++ {
		f, err := os.CreateTemp(root, runPrefix+"*.lock")
		if err != nil {
			return nil, fmt.Errorf("temporary directory: %w", err)
		}
		// Between its creation and our lock, a process sweeping the root
		// may have taken the file for a dead one's and removed it: then it
		// is not ours, and we try another.
		if syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) != nil || !stillLinked(f) {
			f.Close()
			continue
		}
		d.Path, d.lock = strings.TrimSuffix(f.Name(), ".lock"), f
		if err := os.Mkdir(d.Path, 0o700); err != nil {
			d.Close()
			return nil, fmt.Errorf("temporary directory: %w", err)
		}
		return d, nil
	}
	return nil, fmt.Errorf("temporary directory %s: could not lock a directory of our own", root)
}

// Close removes the process's temporary files and its directory.
func (d *tempDir) Close() error {
	sweepRun(d.Path)
	os.Remove(d.lock.Name())
	return d.lock.Close()
}

// privateRoot makes root if it is missing and returns it with symbolic
// links resolved, once it is a directory of the user's own that no one
// else may write in (else another user could swap our files for theirs).
func privateRoot(root string) (string, error) {
	if err := os.MkdirAll(root, 0o700); err != nil {
		return "", fmt.Errorf("--tmp-dir: %w", err)
	}
	real, err := filepath.EvalSymlinks(root)
	if err != nil {
		return "", fmt.Errorf("--tmp-dir: %w", err)
	}
	fi, err := os.Lstat(real)
	if err != nil {
		return "", fmt.Errorf("--tmp-dir: %w", err)
	}
	if !fi.IsDir() {
		return "", fmt.Errorf("--tmp-dir %s: not a directory", root)
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Getuid() {
		return "", fmt.Errorf("--tmp-dir %s: owned by uid %d, not by this user (%d): choose a directory of your own", root, st.Uid, os.Getuid())
	}
	if fi.Mode().Perm()&0o022 != 0 {
		return "", fmt.Errorf("--tmp-dir %s: others may write in it (mode %04o): choose a directory of your own, or chmod go-w it", root, fi.Mode().Perm())
	}
	return real, nil
}

// stillLinked reports whether f is still the file its name names.
func stillLinked(f *os.File) bool {
	a, err1 := f.Stat()
	b, err2 := os.Stat(f.Name())
	return err1 == nil && err2 == nil && os.SameFile(a, b)
}

// sweepStale removes the temporary files of the run directories under
// root whose lock no process holds, and those in root itself, and returns
// how many it removed.
func sweepStale(root string) int {
	entries, err := os.ReadDir(root)
	if err != nil {
		return 0
	}
	n := 0
	for _, e := range entries {
		name := e.Name()
		if ourTemp(name) { // none is made here, but one put here is ours too
			if os.RemoveAll(filepath.Join(root, name)) == nil {
				n++
			}
			continue
		}
		if !e.Type().IsRegular() || !strings.HasPrefix(name, runPrefix) || !strings.HasSuffix(name, ".lock") {
			continue
		}
		lock := filepath.Join(root, name)
		f, err := os.Open(lock)
		if err != nil {
			continue
		}
		// A lock we can take is one whose process is gone (unless another
		// process sweeping took it first and removed the file).
		if syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil && stillLinked(f) {
			n += sweepRun(strings.TrimSuffix(lock, ".lock"))
			os.Remove(lock)
		}
		f.Close()
	}
	return n
}

// sweepRun removes our temporary files from the run directory dir, then dir
// if that empties it, and returns how many it removed.
func sweepRun(dir string) int {
	if fi, err := os.Lstat(dir); err != nil || !fi.IsDir() {
		return 0
	}
	entries, _ := os.ReadDir(dir)
	n := 0
	for _, e := range entries {
		if ourTemp(e.Name()) && os.RemoveAll(filepath.Join(dir, e.Name())) == nil {
			n++
		}
	}
	os.Remove(dir) // fails, keeping it, if anything else is in it
	return n
}
