package config

import (
	"fmt"
	"strings"
)

// Error is what is wrong with a config file, and where. Its text reads like
//
//	config /home/u/.config/helio/config.toml:6:1: thresholds.lowest: unknown key
//
// Line and Col are 1-based; they are 0 when the problem has no place in the
// file: the file cannot be read, a value is out of range (the TOML decoder
// says where a value is only when it cannot store it), or the Config was
// built in code. Key is the dotted key, such as "thresholds.critical", or
// empty for a syntax error outside any key.
type Error struct {
	File      string
	Line, Col int
	Key       string
	Msg       string
	Err       error // the underlying error, when there is one (read or TOML decoder error)
}

// Error reads "config FILE:LINE:COL: KEY: MSG", leaving out what is
// unknown.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("config")
	if e.File != "" {
		b.WriteString(" " + e.File)
		if e.Line > 0 {
			fmt.Fprintf(&b, ":%d:%d", e.Line, e.Col)
		}
	}
	b.WriteString(": ")
	if e.Key != "" {
		b.WriteString(e.Key + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap returns the underlying error, if any.
func (e *Error) Unwrap() error { return e.Err }
