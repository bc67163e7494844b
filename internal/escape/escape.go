// Package escape makes text that comes from outside (a device's name, sent
// over the radio; a name in a cache or history file) safe to print on a
// terminal line: control characters (ESC, CR, LF, ...) and the Unicode
// controls that reorder text would otherwise let a device inject terminal
// escapes or forge lines in Helio's text output. JSON and D-Bus carry such
// strings as data and need no escaping.
package escape

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Text returns s with every control character written as \xHH (or \uHHHH
// beyond Latin-1), and bytes that are not UTF-8 as \xHH, so that printing
// it moves no cursor, starts no line and changes no colour. Text without
// such characters comes back unchanged.
func Text(s string) string {
	if !needs(s) {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == unicode.ReplacementChar && !strings.HasPrefix(s[i:], string(unicode.ReplacementChar)):
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case unsafe(r) && r <= 0xFF:
			fmt.Fprintf(&b, `\x%02x`, r)
		case unsafe(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func needs(s string) bool {
	for i, r := range s {
		if unsafe(r) || r == unicode.ReplacementChar && !strings.HasPrefix(s[i:], string(unicode.ReplacementChar)) {
			return true
		}
	}
	return false
}

// unsafe reports whether r acts on a terminal or on the order of text
// rather than printing: C0 and C1 controls, DEL, and the bidirectional
// marks, embeddings, overrides and isolates.
func unsafe(r rune) bool {
	switch {
	case unicode.IsControl(r):
		return true
	case r == 0x200E, r == 0x200F, r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}

// maxQuoted is the most of a value an error message quotes.
const maxQuoted = 40

// Quote is a value from outside (a profile, a config file, the command
// line) as an error message quotes it: in double quotes, escaped like
// [strconv.Quote], and cut after its first 40 bytes with its length said,
// so that a 100 MB string makes a one-line message.
func Quote(s string) string {
	if len(s) <= maxQuoted {
		return strconv.Quote(s)
	}
	cut := maxQuoted
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s… (%d bytes)", strings.TrimSuffix(strconv.Quote(s[:cut]), `"`), len(s))
}
