// Package stripemock starts stripe/stripe-mock (Stripe's own mock of its
// API, validating requests against its OpenAPI spec, offline) for tests.
//
// The binary is found on PATH, in GOBIN or in GOPATH/bin; when it is
// missing, Start installs the pinned version itself with `go install`
// (through the module proxy, once per test process), so the tests work on
// a fresh machine with nothing but Go. `make tools` installs it ahead of
// time for offline runs.
package stripemock

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Module is the stripe-mock version the tests run against.
const Module = "github.com/stripe/stripe-mock@v0.203.0"

// APIKey is a key stripe-mock accepts (it checks the shape only).
const APIKey = "sk_test_stratum"

var (
	installMu sync.Mutex
	installed string
)

// Binary returns the path of stripe-mock, installing it when missing.
func Binary(t testing.TB) string {
	t.Helper()
	installMu.Lock()
	defer installMu.Unlock()
	if installed != "" {
		return installed
	}
	if p := find(); p != "" {
		installed = p
		return p
	}
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if p, err := exec.LookPath("go"); err == nil {
		goBin = p
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goBin, "install", Module)
	cmd.Env = append(os.Environ(), "GOFLAGS=-buildvcs=false")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("stripe-mock is not installed and `go install %s` failed: %v\n%s", Module, err, out)
	}
	if installed = find(); installed == "" {
		t.Fatalf("`go install %s` succeeded but stripe-mock is in neither GOBIN, GOPATH/bin nor PATH", Module)
	}
	return installed
}

// find looks for stripe-mock in GOBIN, GOPATH/bin and PATH.
func find() string {
	var dirs []string
	if out, err := exec.Command("go", "env", "GOBIN", "GOPATH").Output(); err == nil {
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		if len(lines) > 0 && strings.TrimSpace(lines[0]) != "" {
			dirs = append(dirs, strings.TrimSpace(lines[0]))
		}
		if len(lines) > 1 {
			for _, gp := range filepath.SplitList(strings.TrimSpace(lines[1])) {
				dirs = append(dirs, filepath.Join(gp, "bin"))
			}
		}
	}
	for _, d := range dirs {
		p := filepath.Join(d, "stripe-mock")
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p
		}
	}
	if p, err := exec.LookPath("stripe-mock"); err == nil {
		return p
	}
	return ""
}

// Start runs stripe-mock over HTTP on a free loopback port until the test
// ends and returns its base URL (for STRIPE_API_BASE). It is ready when
// Start returns: the port is polled until it accepts a connection.
func Start(t testing.TB) string {
	t.Helper()
	bin := Binary(t)
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ { // a free port can be taken before stripe-mock binds it
		port, err := freePort()
		if err != nil {
			t.Fatal(err)
		}
		url, err := run(t, bin, port)
		if err == nil {
			return url
		}
		lastErr = err
	}
	t.Fatalf("stripe-mock did not start: %v", lastErr)
	return ""
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// run starts bin on port (HTTP only: -http-port turns the default HTTPS
// listener off) and waits until it listens or exits.
func run(t testing.TB, bin string, port int) (string, error) {
	cmd := exec.Command(bin, "-http-port", strconv.Itoa(port))
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return "", err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() {
		_ = cmd.Process.Kill()
		<-exited
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	deadline := time.Now().Add(30 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			conn.Close()
			t.Cleanup(stop)
			return "http://" + addr, nil
		}
		select {
		case err := <-exited:
			exited <- err
			return "", fmt.Errorf("stripe-mock exited (%v): %s", err, out.String())
		case <-time.After(20 * time.Millisecond): // the next poll of the port
		}
		if time.Now().After(deadline) {
			stop()
			return "", fmt.Errorf("stripe-mock did not listen on %s within 30s: %s", addr, out.String())
		}
	}
}
