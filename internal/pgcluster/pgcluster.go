// Package pgcluster finds a PostgreSQL server for development and tests, or
// starts a private one under .data/ from the PostgreSQL binaries installed on
// the machine. It is what lets `make run` and `make test` work on a fresh
// machine that has only the PostgreSQL server binaries. EnsureDatabase and
// Check are the checks `make run` does, in seconds, before it builds anything.
package pgcluster

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// Options say where to look. Zero values take the defaults.
type Options struct {
	// ProbeAddr is the address of a PostgreSQL that may already answer
	// (STRATUM_PG_PROBE_ADDR, default 127.0.0.1:5432). Trust auth as postgres is assumed.
	ProbeAddr string
	// DataDir holds the private cluster (default <repo>/.data/pg). When Ensure
	// runs as root, PostgreSQL runs as the postgres system user; if that user
	// cannot enter DataDir's parent (a checkout in root's 0700 home), the
	// cluster lives in a directory of its own under os.TempDir() instead
	// (Cluster.DataDir says which).
	DataDir string
	// Database is created if missing and named in the returned URL (default "stratum").
	Database string
	// Log receives progress lines (default: discard).
	Log func(format string, args ...any)
}

// Cluster is a reachable server.
type Cluster struct {
	// URL connects as the superuser to Options.Database.
	URL string
	// Started is true when Ensure started a private cluster (and Stop will stop it).
	Started bool
	// dataDir is where the private cluster lives ("" when none is used).
	dataDir string
	bindir  string
}

func (o *Options) defaults() {
	if o.ProbeAddr == "" {
		o.ProbeAddr = os.Getenv("STRATUM_PG_PROBE_ADDR")
	}
	if o.ProbeAddr == "" {
		o.ProbeAddr = "127.0.0.1:5432"
	}
	if o.DataDir == "" {
		o.DataDir = filepath.Join(RepoRoot(), ".data", "pg")
	}
	if abs, err := filepath.Abs(o.DataDir); err == nil {
		o.DataDir = abs
	}
	if o.Database == "" {
		o.Database = "stratum"
	}
	if o.Log == nil {
		o.Log = func(string, ...any) {}
	}
}

// RepoRoot is the nearest directory upwards holding go.mod, or the working directory.
func RepoRoot() string {
	wd, _ := os.Getwd()
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		if filepath.Dir(dir) == dir {
			return wd
		}
	}
}

// Ensure returns a reachable PostgreSQL: the one at ProbeAddr if it answers,
// else a private cluster under DataDir (initialised on first use, started on a
// free port, reused while it runs).
func Ensure(ctx context.Context, o Options) (*Cluster, error) {
	o.defaults()
	if answers(ctx, o.ProbeAddr) {
		url := fmt.Sprintf("postgres://postgres@%s/%s?sslmode=disable", o.ProbeAddr, o.Database)
		o.Log("using PostgreSQL at %s", o.ProbeAddr)
		return &Cluster{URL: url}, createDatabase(ctx, url, o.Database)
	}
	o.Log("no PostgreSQL answers at %s; using a private cluster", o.ProbeAddr)
	return startPrivate(ctx, o)
}

// DataDir is the private cluster's data directory, or "" when Ensure found
// a server at the probe address.
func (c *Cluster) DataDir() string { return c.dataDir }

// Check reports, without starting anything, where Ensure would find or start
// PostgreSQL with these options, or why it could not: no server binaries, or
// no directory the postgres user can enter. `make run` calls it (through
// `devdb ensure`) before building, when DATABASE_URL is unset.
func Check(ctx context.Context, o Options) (string, error) {
	o.defaults()
	if answers(ctx, o.ProbeAddr) {
		return fmt.Sprintf("PostgreSQL answers at %s (database %q is created when missing)", o.ProbeAddr, o.Database), nil
	}
	bindir, err := findBinDir()
	if err != nil {
		return "", err
	}
	dir, err := placeDataDir(o.DataDir, o.Log)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("no PostgreSQL answers at %s: a private cluster in %s (binaries in %s) will be used", o.ProbeAddr, dir, bindir), nil
}

func answers(ctx context.Context, addr string) bool {
	d := net.Dialer{Timeout: time.Second}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

func startPrivate(ctx context.Context, o Options) (*Cluster, error) {
	bindir, err := findBinDir()
	if err != nil {
		return nil, err
	}
	if o.DataDir, err = placeDataDir(o.DataDir, o.Log); err != nil {
		return nil, err
	}
	c := &Cluster{dataDir: o.DataDir, bindir: bindir}
	unlock, err := lockFile(o.DataDir + ".lock")
	if err != nil {
		return nil, err
	}
	defer unlock()

	if port, ok := runningPort(o.DataDir); ok {
		c.URL = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", port, o.Database)
		o.Log("private cluster in %s already running on port %d", o.DataDir, port)
		return c, createDatabase(ctx, c.URL, o.Database)
	}
	if _, err := os.Stat(filepath.Join(o.DataDir, "PG_VERSION")); err != nil {
		o.Log("initdb %s (binaries in %s)", o.DataDir, bindir)
		if err := os.MkdirAll(o.DataDir, 0o700); err != nil {
			return nil, err
		}
		if err := chownForPostgres(o.DataDir); err != nil {
			return nil, err
		}
		if out, err := c.run(ctx, "initdb", "-D", o.DataDir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-instructions"); err != nil {
			return nil, fmt.Errorf("initdb: %v: %s", err, out)
		}
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %d -c unix_socket_directories=%s -c max_connections=300 -c fsync=off", port, o.DataDir)
	logFile := filepath.Join(o.DataDir, "server.log")
	if out, err := c.run(ctx, "pg_ctl", "-D", o.DataDir, "-o", opts, "-l", logFile, "-w", "-t", "60", "start"); err != nil {
		return nil, fmt.Errorf("pg_ctl start: %v: %s", err, out)
	}
	c.Started = true
	c.URL = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", port, o.Database)
	o.Log("private cluster in %s started on port %d", o.DataDir, port)
	return c, createDatabase(ctx, c.URL, o.Database)
}

// Stop stops a cluster Ensure started. It is a no-op otherwise.
func (c *Cluster) Stop(ctx context.Context) error {
	if c == nil || !c.Started {
		return nil
	}
	out, err := c.run(ctx, "pg_ctl", "-D", c.dataDir, "-m", "fast", "-w", "stop")
	if err != nil {
		return fmt.Errorf("pg_ctl stop: %v: %s", err, out)
	}
	return nil
}

// StopDataDir stops a private cluster that Ensure started for dataDir
// (default .data/pg), if one runs there or in the directory Ensure uses
// when the postgres user cannot reach dataDir.
func StopDataDir(ctx context.Context, dataDir string) error {
	o := Options{DataDir: dataDir}
	o.defaults()
	for _, dir := range []string{o.DataDir, relocated(o.DataDir)} {
		if _, ok := runningPort(dir); !ok {
			continue
		}
		bindir, err := findBinDir()
		if err != nil {
			return err
		}
		if err := (&Cluster{Started: true, dataDir: dir, bindir: bindir}).Stop(ctx); err != nil {
			return err
		}
	}
	return nil
}

// run executes a PostgreSQL binary, through runuser as postgres when we are
// root (initdb and postgres refuse to run as root).
func (c *Cluster) run(ctx context.Context, name string, args ...string) ([]byte, error) {
	bin := filepath.Join(c.bindir, name)
	var cmd *exec.Cmd
	if os.Geteuid() == 0 {
		cmd = exec.CommandContext(ctx, "runuser", append([]string{"-u", "postgres", "--", bin}, args...)...)
	} else {
		cmd = exec.CommandContext(ctx, bin, args...)
	}
	cmd.Dir = "/"
	return cmd.CombinedOutput()
}

func chownForPostgres(dir string) error {
	if os.Geteuid() != 0 {
		return nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return fmt.Errorf("running as root needs a 'postgres' system user to own the private cluster: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return os.Chown(dir, uid, gid)
}

// findBinDir looks for initdb on PATH, in `pg_config --bindir` and in
// /usr/lib/postgresql/*/bin (newest first).
func findBinDir() (string, error) {
	var candidates []string
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		candidates = append(candidates, strings.TrimSpace(string(out)))
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	for i := len(matches) - 1; i >= 0; i-- {
		candidates = append(candidates, matches[i])
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		candidates = append(candidates, filepath.Dir(p))
	}
	for _, dir := range candidates {
		if isExec(filepath.Join(dir, "initdb")) && isExec(filepath.Join(dir, "pg_ctl")) && isExec(filepath.Join(dir, "postgres")) {
			return dir, nil
		}
	}
	return "", errors.New("no PostgreSQL server binaries found (looked on PATH, in `pg_config --bindir` and /usr/lib/postgresql/*/bin); install postgresql or set DATABASE_URL")
}

func isExec(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir() && st.Mode()&0o111 != 0
}

// runningPort reads postmaster.pid: line 1 is the pid, line 4 the port.
func runningPort(dataDir string) (int, bool) {
	b, err := os.ReadFile(filepath.Join(dataDir, "postmaster.pid"))
	if err != nil {
		return 0, false
	}
	lines := strings.Split(string(b), "\n")
	if len(lines) < 4 {
		return 0, false
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(lines[0]))
	port, _ := strconv.Atoi(strings.TrimSpace(lines[3]))
	if pid <= 0 || port <= 0 || syscall.Kill(pid, 0) != nil {
		return 0, false
	}
	return port, answers(context.Background(), fmt.Sprintf("127.0.0.1:%d", port))
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func lockFile(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, err
	}
	return func() { syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, nil
}

// createDatabase creates dbname if it does not exist, connecting to
// "postgres" — and retrying while a server we just started comes up.
func createDatabase(ctx context.Context, url, dbname string) error {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return err
	}
	cfg.Database = dbname
	maint := cfg.Copy()
	maint.Database = "postgres"
	var conn *pgx.Conn
	for i := 0; ; i++ {
		conn, err = pgx.ConnectConfig(ctx, maint)
		if err == nil || i >= 30 {
			break
		}
		time.Sleep(200 * time.Millisecond) // the server may still be starting
	}
	if err != nil {
		return fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	defer conn.Close(ctx)
	_, err = createIfMissing(ctx, conn, cfg)
	return err
}
