package history

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// killRounds sets how many writers TestStore_KillDuringWrites kills: the
// fault campaign's full run is 100 (`go test ./history -run
// KillDuringWrites -faults.rounds=100`, or HELIO_FAULT_ROUNDS=100).
var killRounds = flag.Int("faults.rounds", 0, "writers TestStore_KillDuringWrites kills (default $HELIO_FAULT_ROUNDS, else 10)")

// rounds is the number of kill rounds: the flag, else $HELIO_FAULT_ROUNDS,
// else 10, quick enough for every `go test`.
func rounds(t *testing.T) int {
	if *killRounds > 0 {
		return *killRounds
	}
	if v := os.Getenv("HELIO_FAULT_ROUNDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("HELIO_FAULT_ROUNDS=%q: want a positive number", v)
		}
		return n
	}
	return 10
}

// The test binary re-executes itself as a writer to kill, or as a process
// with a file size limit; TestMain picks the part from this variable.
const childEnv = "HELIO_HISTORY_TEST_CHILD"

func TestMain(m *testing.M) {
	switch os.Getenv(childEnv) {
	case "writer":
		childWriter()
		os.Exit(0)
	case "diskfull":
		childDiskFull()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// childWriter records a new light figure as fast as it can, printing the
// number of committed rows after each commit, until it is killed.
func childWriter() {
	path, id := os.Getenv("HELIO_HISTORY_DB"), os.Getenv("HELIO_HISTORY_DEVICE")
	start, _ := strconv.ParseInt(os.Getenv("HELIO_HISTORY_START"), 10, 64)
	c := &clock{now: time.UnixMilli(start)}
	s, err := Open(path, Opts{Now: c.Now})
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	for i := 1; ; i++ {
		c.Add(time.Second)
		st := k750(50, i)
		st.ID = id
		if err := s.Record(st); err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		fmt.Println(i)
	}
}

// TestStore_KillDuringWrites kills a writer with SIGKILL in the middle of its
// writes, [rounds] times, and checks that the database is intact and holds every
// row the writer said it had committed.
func TestStore_KillDuringWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	path := filepath.Join(t.TempDir(), "history.db")
	start := time.Now().Add(-24 * time.Hour)
	total, nRounds := 0, rounds(t)
	t.Logf("%d rounds", nRounds)
	for round := range nRounds {
		id := fmt.Sprintf("round-%d", round)
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), childEnv+"=writer", "HELIO_HISTORY_DB="+path, "HELIO_HISTORY_DEVICE="+id,
			"HELIO_HISTORY_START="+strconv.FormatInt(start.Add(time.Duration(round)*time.Hour).UnixMilli(), 10))
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		var committed atomic.Int64
		first := make(chan struct{})
		read := make(chan string)
		go func() {
			sc := bufio.NewScanner(out)
			once := sync.OnceFunc(func() { close(first) })
			var other strings.Builder
			for sc.Scan() {
				n, err := strconv.ParseInt(sc.Text(), 10, 64)
				if err != nil {
					other.WriteString(sc.Text() + "\n")
					continue
				}
				committed.Store(n)
				once()
			}
			once()
			read <- other.String()
		}()
		select {
		case <-first:
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			t.Fatal("the writer committed nothing in 30 s")
		}
		time.Sleep(time.Duration(250+rand.IntN(100)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		other := <-read
		err = cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
			t.Fatalf("round %d: the writer was not killed: %v; output %q; stderr %q", round, err, other, stderr.String())
		}
		n := int(committed.Load())
		total += n

		s, err := Open(path, Opts{})
		if err != nil {
			t.Fatalf("round %d: reopen after kill: %v", round, err)
		}
		if w := s.Warning(); w != "" {
			t.Errorf("round %d: reopen after kill: %s", round, w)
		}
		var check string
		if err := s.db.QueryRow("PRAGMA quick_check").Scan(&check); err != nil || check != "ok" {
			t.Errorf("round %d: quick_check = %q, %v", round, check, err)
		}
		for r := 0; r <= round; r++ {
			rows, err := s.Query(fmt.Sprintf("round-%d", r), time.Time{}, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			seen := map[int]bool{}
			for _, smp := range rows {
				seen[smp.Lux] = true
			}
			if r == round {
				for i := 1; i <= n; i++ {
					if !seen[i] {
						t.Errorf("round %d: committed row %d of %d is missing (%d rows stored)", round, i, n, len(rows))
						break
					}
				}
				t.Logf("round %d: killed after %d commits; %d rows stored", round, n, len(rows))
			} else if len(rows) == 0 {
				t.Errorf("round %d: the rows of round %d are gone", round, r)
			}
		}
		s.Close()
	}
	if total == 0 {
		t.Error("no writer committed anything")
	}
}

// childDiskFull opens a history, then lowers its own file size limit
// (RLIMIT_FSIZE, with SIGXFSZ ignored so a write fails with EFBIG instead of
// killing the process) and records until a write fails.
func childDiskFull() {
	signal.Ignore(syscall.SIGXFSZ)
	path := os.Getenv("HELIO_HISTORY_DB")
	c := &clock{now: time.Now()}
	s, err := Open(path, Opts{Now: c.Now})
	if err != nil {
		fmt.Println("open:", err)
		return
	}
	var largest int64
	for _, p := range []string{path, path + "-wal"} {
		if fi, err := os.Stat(p); err == nil {
			largest = max(largest, fi.Size())
		}
	}
	lim := uint64(largest + 16<<10)
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: lim, Max: lim}); err != nil {
		fmt.Println("setrlimit:", err)
		return
	}
	for i := 1; i <= 100000; i++ {
		c.Add(time.Second)
		if err := s.Record(k750(50, i)); err != nil {
			fmt.Printf("committed %d\nerror: %v\n", i-1, err)
			fmt.Println("close:", s.Close())
			return
		}
	}
	fmt.Println("no error")
}

// TestRecord_DiskFull runs a writer that hits its file size limit: Record
// returns an error naming the file and the reason, and what was committed
// before is intact.
func TestRecord_DiskFull(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.db")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"=diskfull", "HELIO_HISTORY_DB="+path)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	t.Logf("child:\n%s", out)
	var committed int
	var msg string
	for _, line := range strings.Split(string(out), "\n") {
		if n, ok := strings.CutPrefix(line, "committed "); ok {
			committed, _ = strconv.Atoi(n)
		}
		if m, ok := strings.CutPrefix(line, "error: "); ok {
			msg = m
		}
	}
	if !strings.HasPrefix(msg, "history: "+path+": record") || !strings.Contains(msg, "file size limit") {
		t.Errorf("error = %q, want it to name %s and the file size limit", msg, path)
	}
	s := open(t, path, Opts{})
	if n := count(t, s, k750(0, 0).ID); n < committed || committed == 0 {
		t.Errorf("%d rows stored, the writer committed %d", n, committed)
	}
}
