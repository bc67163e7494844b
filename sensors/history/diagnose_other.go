//go:build !linux

package history

import "os"

// checkWritable is done by opening the database elsewhere than Linux.
func checkWritable(path string) error { return nil }

// diagnose has nothing to add to SQLite's message elsewhere than Linux.
func diagnose(path string, err error, write bool) string { return "" }

// lockRecorder takes no lock elsewhere than Linux.
func lockRecorder(path string) (*os.File, error) { return nil, nil }
