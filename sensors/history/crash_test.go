package history

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/helio-linux/helio/internal/proctest"
)

// killRounds sets how many writers TestStore_KillDuringWrites kills: by
// default the fault campaign's full 100, under -short 10.
var killRounds = flag.Int("faults.rounds", 0, "writers TestStore_KillDuringWrites kills (default 100, 10 with -short)")

// rounds is the number of kill rounds.
func rounds() int {
	switch {
	case *killRounds > 0:
		return *killRounds
	case testing.Short():
		return 10
	}
	return 100
}

// The test binary runs itself again as a writer to kill, or as a process
// with a file size limit: TestMain picks the part from -history.child.
// These flags are for that child alone.
var (
	child       = flag.String("history.child", "", "run as the child process of a test: writer or diskfull")
	childDB     = flag.String("history.db", "", "the child's database")
	childDevice = flag.String("history.device", "", "the device id the writer records")
	childStart  = flag.Int64("history.start", 0, "the writer's first timestamp, in Unix milliseconds")
)

func TestMain(m *testing.M) {
	flag.Parse()
	switch *child {
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
	c := &clock{now: time.UnixMilli(*childStart)}
	s, err := Open(*childDB, Opts{Now: c.Now})
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	for i := 1; ; i++ {
		c.Add(time.Second)
		st := k750(50, i)
		st.ID = *childDevice
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
	path := filepath.Join(t.TempDir(), "history.db")
	start := time.Now().Add(-24 * time.Hour)
	total, nRounds := 0, rounds()
	t.Logf("%d rounds", nRounds)
	for round := range nRounds {
		id := fmt.Sprintf("round-%d", round)
		w := proctest.Start(t, exec.Command(os.Args[0], "-test.run=^$", "-history.child=writer", "-history.db="+path,
			"-history.device="+id, "-history.start="+strconv.FormatInt(start.Add(time.Duration(round)*time.Hour).UnixMilli(), 10)))
		committed := func(l string) (int, bool) {
			n, err := strconv.Atoi(l)
			return n, err == nil
		}
		first := w.WaitLine(30*time.Second, "a first commit", func(l string) bool { _, ok := committed(l); return ok })
		time.Sleep(time.Duration(250+rand.IntN(100)) * time.Millisecond)
		w.Signal(syscall.SIGKILL)
		<-w.Exited()
		// The last number it printed is what it had committed.
		n, _ := committed(first)
		for l := range w.Lines() {
			if c, ok := committed(l); ok {
				n = c
			}
		}
		if ws, ok := w.Cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
			t.Fatalf("round %d: the writer was not killed: %v; output:\n%s", round, w.Err(), w.Output())
		}
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
	path := *childDB
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
	out, err := exec.Command(os.Args[0], "-test.run=^$", "-history.child=diskfull", "-history.db="+path).CombinedOutput()
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
