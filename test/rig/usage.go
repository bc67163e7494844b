package rig

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Usage is what a process has cost the machine since it started.
type Usage struct {
	// CPU is its user and system time.
	CPU time.Duration
	// Wakeups counts the times its threads were switched in: voluntary
	// context switches (a thread that slept, woken by a report, a timer)
	// and involuntary ones.
	Wakeups int64
}

// Sub is u minus an earlier reading.
func (u Usage) Sub(before Usage) Usage {
	return Usage{CPU: u.CPU - before.CPU, Wakeups: u.Wakeups - before.Wakeups}
}

// UsageOf reads process pid's [Usage] from /proc: its threads' switches
// from each task's status, its CPU from its stat (clock ticks of 1/100 s,
// as on every Linux Debian builds).
func UsageOf(pid int) (Usage, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return Usage{}, err
	}
	// The command name may hold spaces: fields start after the last ')'.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+2:]))
	if len(f) < 13 {
		return Usage{}, fmt.Errorf("rig: /proc/%d/stat: %d fields", pid, len(f))
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	u := Usage{CPU: time.Duration(utime+stime) * 10 * time.Millisecond}
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/status", pid))
	if err != nil {
		return Usage{}, err
	}
	for _, task := range tasks {
		st, err := os.ReadFile(task)
		if err != nil {
			continue // a thread that ended between the listing and the read
		}
		for _, line := range strings.Split(string(st), "\n") {
			k, v, _ := strings.Cut(line, ":")
			if k == "voluntary_ctxt_switches" || k == "nonvoluntary_ctxt_switches" {
				n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
				u.Wakeups += n
			}
		}
	}
	return u, nil
}

// Holds reports whether process pid has the file at path open.
func Holds(pid int, path string) bool {
	fds, _ := filepath.Glob(fmt.Sprintf("/proc/%d/fd/*", pid))
	for _, fd := range fds {
		if target, err := os.Readlink(fd); err == nil && target == path {
			return true
		}
	}
	return false
}
