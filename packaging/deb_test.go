package packaging

import (
	"bytes"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/greenreach/greenreach/store/storetest"
)

// needTools fails the test when a tool is missing and the run requires
// them (CI, make test), else skips it, naming the tool.
func needTools(t *testing.T, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, err := exec.LookPath(n); err != nil {
			if os.Getenv("CI") != "" || os.Getenv("GREENREACH_REQUIRE_TOOLS") != "" {
				t.Fatalf("%s is required (.ci/setup test)", n)
			}
			t.Skipf("%s not installed (.ci/setup test)", n)
		}
	}
}

// shims stand in for the commands of README's install block that would
// change this machine: they install into $ROOT and start the service as
// its unit says, on $PORT, recording each call in $LOG.
var shims = map[string]string{
	// make deb, into the block's ./dist; static/lib as make test built
	// it (npm ci would pull static/node_modules from under the browser
	// tests running beside this one).
	"make": `[ "$*" = deb ] || { echo "make shim: only make deb" >&2; exit 64; }
exec "$REAL_MAKE" --no-print-directory -C "$REPO" deb DIST="$PWD/dist" SKIP_ASSETS=1`,
	"sudo": `if [ "$1" = -u ]; then echo "sudo -u $2" >>"$LOG"; shift 2; fi
exec "$@"`,
	"sudoedit": `echo "sudoedit $*" >>"$LOG"; test -f "$ROOT$1"`,
	// apt install of one .deb: its files into $ROOT, then its postinst,
	// whose user and ownership commands are shims of their own.
	"apt": `[ "$1" = install ] && [ $# = 2 ] || { echo "apt shim: want install FILE.deb, got $*" >&2; exit 64; }
echo "apt install $2" >>"$LOG"
dpkg-deb -x "$2" "$ROOT" && dpkg-deb -e "$2" "$ROOT/DEBIAN"
DPKG_ROOT="$ROOT" PATH="$POSTINST_SHIMS:$PATH" "$ROOT/DEBIAN/postinst" configure`,
	// greenreach as installed, /var/lib/greenreach being $ROOT's.
	"greenreach": `args=(); for a in "$@"; do args+=("${a//\/var\/lib\/greenreach/$ROOT/var/lib/greenreach}"); done
exec "$ROOT/usr/bin/greenreach" "${args[@]}"`,
	"curl": `echo "curl $*" >>"$LOG"; exec "$REAL_CURL" "${@//127.0.0.1:8080/127.0.0.1:$PORT}"`,
	// systemctl enable --now: what systemd does with the unit — its
	// EnvironmentFile, its StateDirectory as working directory, its
	// ExecStart — on $PORT, then wait for /healthz.
	"systemctl": `echo "systemctl $*" >>"$LOG"
case "$*" in "enable --now greenreach"|"enable --now greenreach.service") ;; *) exit 0 ;; esac
unit="$ROOT/lib/systemd/system/greenreach.service"
envfile=$(sed -n 's/^EnvironmentFile=//p' "$unit")
state=$(sed -n 's/^StateDirectory=//p' "$unit")
exe=$(sed -n 's/^ExecStart=//p' "$unit")
mkdir -p "$ROOT/var/lib/$state"
( cd "$ROOT/var/lib/$state" && set -a && . "$ROOT$envfile" && set +a &&
  export GREENREACH_DB="${GREENREACH_DB//\/var\/lib\/greenreach/$ROOT/var/lib/greenreach}" GREENREACH_ADDR="127.0.0.1:$PORT" &&
  exec $ROOT$exe ) >"$SERVICE_LOG" 2>&1 &
echo $! >"$PIDFILE"
for i in $(seq 1 300); do "$REAL_CURL" -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && exit 0; sleep 0.2; done
echo "the service did not answer:" >&2; cat "$SERVICE_LOG" >&2; exit 1`,
}

// postinstShims record what postinst asks of the system's users.
var postinstShims = map[string]string{
	"getent":  `exit 2`, // no such user yet
	"adduser": `echo "adduser $*" >>"$LOG"`,
	"install": `echo "install $*" >>"$LOG"; mkdir -p "${@: -1}"`,
	"chown":   `echo "chown $*" >>"$LOG"`,
}

func writeShims(t *testing.T, dir string, m map[string]string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range m {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/bash\nset -euo pipefail\n"+body+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

func run(t *testing.T, dir string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// alive reports whether process pid runs (not gone, not a zombie: the
// service is not this process's child, so nothing here reaps it).
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(b, ')')
	return i > 0 && i+2 < len(b) && b[i+2] != 'Z' && b[i+2] != 'X'
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// TestInstallAsREADME: README's "Install on a server" block, run as
// written (shims in place of sudo, apt, systemctl and curl), builds the
// package, installs it into a throwaway root, imports Chengdu, makes an
// admin token and starts the service as its unit says; the service
// answers, the token works, SIGTERM stops it cleanly. The package's
// fields, contents, dependencies and unit are checked on the way.
func TestInstallAsREADME(t *testing.T) {
	needTools(t, "make", "dpkg-deb", "dpkg-shlibdeps", "systemd-analyze", "curl", "ldd", "readelf", "bash")
	repo, err := storetest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join(repo, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)<!-- install:begin -->\n```sh\n(.*?)```\n<!-- install:end -->").FindSubmatch(readme)
	if m == nil {
		t.Fatal("README has no install block between <!-- install:begin --> and <!-- install:end -->")
	}
	block := string(m[1])

	tmp := t.TempDir()
	work, root, bin, pbin := filepath.Join(tmp, "work"), filepath.Join(tmp, "root"), filepath.Join(tmp, "bin"), filepath.Join(tmp, "postinst-bin")
	logf, pidfile := filepath.Join(tmp, "calls.log"), filepath.Join(tmp, "service.pid")
	for _, d := range []string{work, root} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeShims(t, bin, shims)
	writeShims(t, pbin, postinstShims)
	if err := os.Symlink(storetest.SharedData(t, "chengdu.osm.pbf"), filepath.Join(work, "city.osm.pbf")); err != nil {
		t.Fatal(err)
	}
	realMake, _ := exec.LookPath("make")
	realCurl, _ := exec.LookPath("curl")
	port := freePort(t)
	t.Cleanup(func() {
		if b, err := os.ReadFile(pidfile); err == nil {
			if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	})

	cmd := exec.Command("bash", "-euo", "pipefail", "-c", block)
	cmd.Dir = work
	cmd.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"), "ROOT="+root, "LOG="+logf, "PORT="+strconv.Itoa(port),
		"REPO="+repo, "REAL_MAKE="+realMake, "REAL_CURL="+realCurl, "PIDFILE="+pidfile,
		"SERVICE_LOG="+filepath.Join(tmp, "service.log"), "POSTINST_SHIMS="+pbin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("README's install block: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	out := stdout.String()
	calls, _ := os.ReadFile(logf)

	// The package make deb built.
	debs, _ := filepath.Glob(filepath.Join(work, "dist", "greenreach_*.deb"))
	if len(debs) != 1 {
		t.Fatalf("dist holds %v", debs)
	}
	deb := debs[0]
	field := func(name string) string { return strings.TrimSpace(run(t, work, "dpkg-deb", "-f", deb, name)) }
	arch := strings.TrimSpace(run(t, work, "dpkg", "--print-architecture"))
	version := field("Version")
	if field("Package") != "greenreach" || field("Architecture") != arch || filepath.Base(deb) != "greenreach_"+version+"_"+arch+".deb" {
		t.Errorf("package %s: Package %q Version %q Architecture %q", filepath.Base(deb), field("Package"), version, field("Architecture"))
	}
	depends := map[string]bool{}
	for _, d := range strings.Split(field("Depends"), ",") {
		depends[strings.Fields(d)[0]] = true
	}
	// Every library the installed binary links, by the Debian package
	// that holds it, is a dependency; so are those the issue names —
	linked := map[string]bool{"libgeos-c1v5": true, "libproj25": true, "libdeflate0": true, "libisal2": true, "libc6": true, "adduser": true}
	// the libraries it names itself (NEEDED), found where ldd finds them.
	exe := filepath.Join(root, "usr/bin/greenreach")
	needed := map[string]bool{}
	for _, n := range regexp.MustCompile(`\(NEEDED\)\s+Shared library: \[(\S+)\]`).FindAllStringSubmatch(run(t, work, "readelf", "-d", exe), -1) {
		needed[n[1]] = true
	}
	if len(needed) < 5 {
		t.Errorf("the binary needs only %v", needed)
	}
	for _, l := range regexp.MustCompile(`(?m)^\s*(\S+) => (/\S+)`).FindAllStringSubmatch(run(t, work, "ldd", exe), -1) {
		if !needed[l[1]] {
			continue
		}
		delete(needed, l[1])
		lib := l[2]
		path, _ := filepath.EvalSymlinks(lib)
		var owner string
		for _, p := range []string{lib, path, strings.TrimPrefix(lib, "/usr"), strings.TrimPrefix(path, "/usr")} {
			if o, err := exec.Command("dpkg", "-S", p).Output(); err == nil {
				owner = strings.SplitN(strings.TrimSpace(string(o)), ":", 2)[0]
				break
			}
		}
		if owner == "" {
			t.Errorf("no Debian package holds %s", lib)
			continue
		}
		linked[owner] = true
	}
	if len(needed) > 0 {
		t.Errorf("ldd does not find %v", needed)
	}
	for p := range linked {
		if !depends[p] {
			t.Errorf("Depends %q lacks %s", field("Depends"), p)
		}
	}

	// Contents, owners and modes.
	contents := run(t, work, "dpkg-deb", "-c", deb)
	for _, want := range []string{
		`-rwxr-xr-x root/root .* \./usr/bin/greenreach`,
		`-rw-r--r-- root/root .* \./lib/systemd/system/greenreach\.service`,
		`-rw-r----- root/root .* \./etc/greenreach/greenreach\.env`,
		`-rw-r--r-- root/root .* \./usr/share/doc/greenreach/copyright`,
		`-rw-r--r-- root/root .* \./usr/share/doc/greenreach/OFL-1\.1\.txt`, // the glyph ranges' font
	} {
		if !regexp.MustCompile(want).MatchString(contents) {
			t.Errorf("dpkg-deb -c lacks %s:\n%s", want, contents)
		}
	}
	if c, _ := os.ReadFile(filepath.Join(root, "DEBIAN/conffiles")); strings.TrimSpace(string(c)) != "/etc/greenreach/greenreach.env" {
		t.Errorf("conffiles: %q", c)
	}
	for _, s := range []string{"postinst", "prerm", "postrm"} {
		run(t, work, "sh", "-n", filepath.Join(root, "DEBIAN", s))
	}

	// The unit: its settings, systemd's own check, and its exposure.
	unit, err := os.ReadFile(filepath.Join(root, "lib/systemd/system/greenreach.service"))
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range []string{"User=greenreach", "StateDirectory=greenreach", "EnvironmentFile=/etc/greenreach/greenreach.env",
		"ExecStart=/usr/bin/greenreach serve", "Restart=on-failure", "ProtectSystem=strict", "NoNewPrivileges=yes", "PrivateTmp=yes", "ProtectHome=yes", "WantedBy=multi-user.target"} {
		if !slices.Contains(strings.Split(string(unit), "\n"), kv) {
			t.Errorf("the unit lacks %s", kv)
		}
	}
	vroot := filepath.Join(tmp, "verify-root")
	run(t, work, "cp", "-a", root+"/.", vroot)
	run(t, work, "cp", "-an", "/lib/systemd/system/.", filepath.Join(vroot, "lib/systemd/system"))
	if out, err := exec.Command("systemd-analyze", "verify", "--root="+vroot, "greenreach.service").CombinedOutput(); err != nil || len(out) != 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
	sec, _ := exec.Command("systemd-analyze", "security", "--offline=true", filepath.Join(vroot, "lib/systemd/system/greenreach.service")).CombinedOutput()
	if m := regexp.MustCompile(`Overall exposure level for greenreach\.service: ([0-9.]+)`).FindSubmatch(sec); m == nil {
		t.Errorf("systemd-analyze security:\n%s", sec)
	} else if e, _ := strconv.ParseFloat(string(m[1]), 64); e > 2.0 {
		t.Errorf("the unit's exposure is %.1f, over 2.0", e)
	}
	// Every variable the environment file names is one greenreach reads.
	help := run(t, work, filepath.Join(root, "usr/bin/greenreach"), "serve", "-h") + run(t, work, filepath.Join(root, "usr/bin/greenreach"), "-h")
	env, _ := os.ReadFile(filepath.Join(root, "etc/greenreach/greenreach.env"))
	for _, v := range regexp.MustCompile(`(?m)^#?(GREENREACH_[A-Z_]+)=`).FindAllStringSubmatch(string(env), -1) {
		if !strings.Contains(help, "$"+v[1]) && v[1] != "GREENREACH_LOG" {
			t.Errorf("the environment file names %s, which greenreach does not read", v[1])
		}
	}

	// What the block did: postinst made the user, the state directory and
	// the environment file's group; the service started, imported data
	// and a working token; --version names the package's version and the
	// commit.
	for _, want := range []string{
		"apt install ./dist/" + filepath.Base(deb),
		"adduser --system --group --home /var/lib/greenreach --no-create-home --gecos greenreach service greenreach",
		"install -d -o greenreach -g greenreach -m 0750 " + root + "/var/lib/greenreach",
		"chown root:greenreach " + root + "/etc/greenreach/greenreach.env",
		"sudo -u greenreach", "systemctl enable --now greenreach",
	} {
		if !strings.Contains(string(calls), want) {
			t.Errorf("calls lack %q:\n%s", want, calls)
		}
	}
	if !regexp.MustCompile(`"status":"ready"`).MatchString(out) || !regexp.MustCompile(`"features":[1-9]`).MatchString(out) {
		t.Errorf("readyz after the install:\n%s", out)
	}
	head := strings.TrimSpace(run(t, repo, "git", "rev-parse", "HEAD"))
	if !regexp.MustCompile(`(?m)^greenreach ` + regexp.QuoteMeta(version) + ` commit ` + head + `(-dirty)? go`).MatchString(out) {
		t.Errorf("--version does not name version %s and commit %s:\n%s", version, head, out)
	}
	secret := regexp.MustCompile(`(?m)^gr_\S+$`).FindString(out)
	if secret == "" {
		t.Fatalf("no token printed:\n%s", out)
	}
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	for _, c := range []struct {
		auth string
		want int
	}{{"", 401}, {"Bearer " + secret, 200}} {
		req, _ := http.NewRequest("GET", base+"/api/scenarios", nil)
		if c.auth != "" {
			req.Header.Set("Authorization", c.auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("/api/scenarios with %q: %d, want %d", c.auth, resp.StatusCode, c.want)
		}
	}
	// systemctl stop: SIGTERM, and a clean exit (not a failure to restart).
	b, err := os.ReadFile(pidfile)
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	proc, err := os.FindProcess(pid)
	if err != nil {
		t.Fatal(err)
	}
	proc.Signal(syscall.SIGTERM)
	deadline := time.Now().Add(20 * time.Second)
	for alive(pid) && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if alive(pid) {
		t.Errorf("the service did not stop within 20 s of SIGTERM")
	}
	if log, _ := os.ReadFile(filepath.Join(tmp, "service.log")); !bytes.Contains(log, []byte("shutting down")) {
		t.Errorf("the service's log lacks its shutdown:\n%s", log)
	}
}
