package pgcluster

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"syscall"
)

// placeDataDir returns the directory the private cluster lives in: want,
// when the user that runs PostgreSQL can reach it, else relocated(want).
//
// Only root needs the second place: it runs PostgreSQL as the postgres
// system user, who cannot enter a checkout under a 0700 directory such as
// root's home, and initdb would fail there after the build has run. It
// creates want's parent (and, when relocating, the relocated parent).
func placeDataDir(want string, log func(string, ...any)) (string, error) {
	if err := os.MkdirAll(filepath.Dir(want), 0o755); err != nil {
		return "", err
	}
	if os.Geteuid() != 0 {
		return want, nil
	}
	if _, err := user.Lookup("postgres"); err != nil {
		return "", fmt.Errorf("running as root needs a 'postgres' system user to run the private cluster (PostgreSQL refuses to run as root): %w; or set DATABASE_URL", err)
	}
	ok, err := postgresCanEnter(filepath.Dir(want))
	if err != nil || ok {
		return want, err
	}
	alt := relocated(want)
	if err := makeRootDir(filepath.Dir(alt)); err != nil {
		return "", err
	}
	if ok, err := postgresCanEnter(filepath.Dir(alt)); err != nil || !ok {
		return "", errors.Join(err, fmt.Errorf("the private cluster runs as the postgres system user, who can enter neither %s nor %s: "+
			"set DATABASE_URL to a running PostgreSQL, set TMPDIR to a directory that user can enter, "+
			"or let it through every directory above %s (chmod o+x)", filepath.Dir(want), filepath.Dir(alt), want))
	}
	log("the postgres system user cannot enter %s, so the private cluster lives in %s", filepath.Dir(want), alt)
	return alt, nil
}

// relocated names the directory under os.TempDir() that holds the cluster
// asked for in want when the postgres user cannot reach want: the same want
// always gives the same directory, so a later Ensure or StopDataDir finds the
// running cluster, and two checkouts never share one.
func relocated(want string) string {
	sum := sha256.Sum256([]byte(want))
	return filepath.Join(os.TempDir(), "stratum-pg-"+hex.EncodeToString(sum[:8]), filepath.Base(want))
}

// makeRootDir creates dir with mode 0755, or accepts it when it already is a
// real directory of ours that nobody else may write to: os.TempDir() is
// shared, and the name is predictable.
func makeRootDir(dir string) error {
	if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
		return err
	}
	st, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !st.IsDir() || !ok || int(sys.Uid) != os.Geteuid() || st.Mode().Perm()&0o022 != 0 {
		return fmt.Errorf("refusing to keep the private cluster in %s: it is not a directory owned by uid %d that only its owner may write to; remove it", dir, os.Geteuid())
	}
	return os.Chmod(dir, 0o755) // the umask may have taken the bits the postgres user needs
}

// postgresCanEnter asks the system, as the postgres user, whether that user
// may search dir (and so reach what lies in it) — which also covers ACLs and
// group membership that reading mode bits would miss.
func postgresCanEnter(dir string) (bool, error) {
	cmd := exec.Command("runuser", "-u", "postgres", "--", "test", "-x", dir)
	cmd.Dir = "/"
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return true, nil
	case errors.As(err, &exit) && exit.ExitCode() == 1 && len(out) == 0:
		return false, nil
	}
	return false, fmt.Errorf("check whether the postgres user can enter %s: runuser: %v: %s", dir, err, out)
}
