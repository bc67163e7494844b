package config

import (
	"fmt"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/pelletier/go-toml/v2"
	"github.com/pelletier/go-toml/v2/unstable"
)

// Error is what is wrong with a config file, and where. Its text reads like
//
//	config /home/u/.config/helio/config.toml:7:1: thresholds.critical: must be below thresholds.low (20)
//
// Line and Col are 1-based; they are 0 when the problem has no place in the
// file (it cannot be read, or the Config was built in code). Key is the
// dotted key, such as "thresholds.critical", or empty for a syntax error
// outside any key.
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

// typeError matches go-toml's "cannot decode TOML string into struct field
// config.Thresholds.Low of type int".
var typeError = regexp.MustCompile(`^cannot decode TOML (\w+) into .* of type (\S+)$`)

// wants names, for each Go type a key can have, what the file must hold.
var wants = map[string]string{
	"int":             "an integer",
	"bool":            "true or false",
	"string":          "a string",
	"config.Duration": `a duration string such as "10m" or "7d"`,
}

// fromDecodeError turns go-toml's error into an [*Error]: position and key
// from de, a message in the file's words.
func fromDecodeError(de *toml.DecodeError, unknown bool, err error) *Error {
	line, col := de.Position()
	e := &Error{Line: line, Col: col, Key: strings.Join(de.Key(), "."), Err: err}
	msg := strings.TrimPrefix(de.Error(), "toml: ")
	switch {
	case unknown && msg == "missing table":
		e.Msg = "unknown table"
	case unknown:
		e.Msg = "unknown key"
	default:
		e.Msg = msg
		if m := typeError.FindStringSubmatch(msg); m != nil {
			want, ok := wants[m[2]]
			if !ok && strings.HasPrefix(m[2], "config.") {
				want, ok = "a table", true
			}
			if ok {
				e.Msg = fmt.Sprintf("want %s, got a TOML %s", want, m[1])
			}
		}
	}
	return e
}

// problem is one out-of-range value. When key is not in the file (it kept
// its default), the problem is told on alt, the other key of a relation.
type problem struct {
	key, msg       string
	altKey, altMsg string
}

// locate finds where the file sets the problem's key and returns the
// [*Error] for it.
func (p problem) locate(doc []byte) *Error {
	if line, col, ok := keyPosition(doc, p.key); ok {
		return &Error{Line: line, Col: col, Key: p.key, Msg: p.msg}
	}
	if p.altKey != "" {
		if line, col, ok := keyPosition(doc, p.altKey); ok {
			return &Error{Line: line, Col: col, Key: p.altKey, Msg: p.altMsg}
		}
	}
	return &Error{Key: p.key, Msg: p.msg}
}

// minPeriod is the shortest light interval and poll period: asking devices
// more often costs their batteries more than it tells.
const minPeriod = time.Minute

// problems lists what is out of range in c, in the order the keys appear in
// the documented file.
func (c Config) problems() []problem {
	var ps []problem
	add := func(key, format string, args ...any) {
		ps = append(ps, problem{key: key, msg: fmt.Sprintf(format, args...)})
	}
	relate := func(key, msg, altKey, altMsg string) {
		ps = append(ps, problem{key: key, msg: msg, altKey: altKey, altMsg: altMsg})
	}
	atLeast := func(key string, d, least Duration) {
		if d.Duration < least.Duration {
			add(key, "must be at least %s, got %s", least, d)
		}
	}
	notNegative := func(key string, d Duration) {
		if d.Duration < 0 {
			add(key, "must not be negative, got %s", d)
		}
	}
	percent := func(key string, v int) bool {
		if v < 0 || v > 100 {
			add(key, "must be between 0 and 100, got %d", v)
			return false
		}
		return true
	}

	atLeast("light.interval", c.Light.Interval, Dur(minPeriod))
	if r := c.Light.Reports; r < 1 || r > 255 {
		add("light.reports", "must be between 1 and 255, got %d", r)
	}

	t := c.Thresholds
	lowOK, critOK := percent("thresholds.low", t.Low), percent("thresholds.critical", t.Critical)
	if lowOK && critOK && t.Critical >= t.Low {
		relate("thresholds.critical", fmt.Sprintf("must be below thresholds.low (%d)", t.Low),
			"thresholds.low", fmt.Sprintf("must be above thresholds.critical (%d)", t.Critical))
	}
	percent("thresholds.hysteresis", t.Hysteresis)
	notNegative("thresholds.dark_after", t.DarkAfter)

	h := c.History
	notNegative("history.full", h.Full)
	notNegative("history.keep", h.Keep)
	if h.Full.Duration >= 0 && h.Keep.Duration >= 0 && h.Full.Duration > h.Keep.Duration {
		relate("history.full", fmt.Sprintf("must not be longer than history.keep (%s)", h.Keep),
			"history.keep", fmt.Sprintf("must not be shorter than history.full (%s)", h.Full))
	}
	if h.Path != "" && !filepath.IsAbs(h.Path) {
		add("history.path", "must be an absolute path, got %q", h.Path)
	}

	m := c.Monitor
	atLeast("monitor.poll", m.Poll, Dur(minPeriod))
	if m.Poll.Duration >= minPeriod && m.PollMax.Duration < m.Poll.Duration {
		relate("monitor.poll_max", fmt.Sprintf("must not be shorter than monitor.poll (%s)", m.Poll),
			"monitor.poll", fmt.Sprintf("must not be longer than monitor.poll_max (%s)", m.PollMax))
	}
	return ps
}

// keyPosition finds where doc sets the dotted key ("thresholds.critical"),
// however it is written: under a [thresholds] header, as a dotted key
// (thresholds.critical = 3) or in an inline table (thresholds = {critical =
// 3}). It returns the 1-based line and column of the key's first part, or
// false when doc does not set it or does not parse.
func keyPosition(doc []byte, key string) (line, col int, ok bool) {
	eachKeyValue(doc, func(p *unstable.Parser, k []string, kv *unstable.Node) bool {
		if kv.Kind != unstable.KeyValue || strings.Join(k, ".") != key {
			return true
		}
		s := p.Shape(keyRange(kv))
		line, col, ok = s.Start.Line, s.Start.Column, true
		return false
	})
	return line, col, ok
}

// eachKeyValue calls f with every table header and key-value of doc and its
// full key (table header and dotted parts joined), descending into inline
// tables, until f returns false. It returns the parser's error when doc is
// not TOML.
func eachKeyValue(doc []byte, f func(p *unstable.Parser, key []string, kv *unstable.Node) bool) error {
	var p unstable.Parser
	p.Reset(doc)
	var table []string
	var visit func(prefix []string, kv *unstable.Node) bool
	visit = func(prefix []string, kv *unstable.Node) bool {
		key := append(slices.Clone(prefix), keyParts(kv)...)
		if !f(&p, key, kv) {
			return false
		}
		if v := kv.Value(); v.Kind == unstable.InlineTable {
			it := v.Children()
			for it.Next() {
				if !visit(key, it.Node()) {
					return false
				}
			}
		}
		return true
	}
	for p.NextExpression() {
		e := p.Expression()
		switch e.Kind {
		case unstable.Table, unstable.ArrayTable:
			table = keyParts(e)
			if !f(&p, table, e) {
				return nil
			}
		case unstable.KeyValue:
			if !visit(table, e) {
				return nil
			}
		}
	}
	return p.Error()
}

// durationKeys are the dotted keys of every [Duration] in [Config].
var durationKeys = func() map[string]bool {
	keys := map[string]bool{}
	var walk func(rt reflect.Type, prefix string)
	walk = func(rt reflect.Type, prefix string) {
		for i := range rt.NumField() {
			f := rt.Field(i)
			name := prefix + f.Tag.Get("toml")
			switch {
			case f.Type == reflect.TypeFor[Duration]():
				keys[name] = true
			case f.Type.Kind() == reflect.Struct:
				walk(f.Type, name+".")
			}
		}
	}
	walk(reflect.TypeFor[Config](), "")
	return keys
}()

// kindNames name TOML value kinds as go-toml's messages do.
var kindNames = map[unstable.Kind]string{
	unstable.Integer: "integer", unstable.Float: "float", unstable.Bool: "boolean",
	unstable.Array: "array", unstable.InlineTable: "inline table", unstable.LocalDate: "local date",
	unstable.LocalTime: "local time", unstable.LocalDateTime: "local date-time", unstable.DateTime: "date-time",
}

// checkDurationTypes finds a duration key whose value is not a string. The
// TOML decoder would hand a number's digits to [Duration.UnmarshalText] and
// lose the key's position; this says where and what. A doc that does not
// parse passes, for the decoder to report.
func checkDurationTypes(doc []byte) *Error {
	var found *Error
	eachKeyValue(doc, func(p *unstable.Parser, key []string, kv *unstable.Node) bool {
		k := strings.Join(key, ".")
		if !durationKeys[k] {
			return true
		}
		// Point at the value; a table header, an array or an inline
		// table has no range of its own, so at the key.
		at, kind := keyRange(kv), "table"
		if kv.Kind == unstable.KeyValue {
			v := kv.Value()
			if v.Kind == unstable.String {
				return true
			}
			if kind = kindNames[v.Kind]; kind == "" {
				kind = strings.ToLower(v.Kind.String())
			}
			if v.Raw.Length > 0 {
				at = v.Raw
			}
		}
		s := p.Shape(at)
		found = &Error{Line: s.Start.Line, Col: s.Start.Column, Key: k,
			Msg: fmt.Sprintf("want %s, got a TOML %s", wants["config.Duration"], kind)}
		return false
	})
	return found
}

// keyParts is the key of a table header or key-value, one string per part.
func keyParts(n *unstable.Node) []string {
	var parts []string
	it := n.Key()
	for it.Next() {
		parts = append(parts, string(it.Node().Data))
	}
	return parts
}

// keyRange covers every part of n's key.
func keyRange(n *unstable.Node) unstable.Range {
	it := n.Key()
	it.Next()
	start := it.Node().Raw
	end := start
	for it.Next() {
		end = it.Node().Raw
	}
	return unstable.Range{Offset: start.Offset, Length: end.Offset + end.Length - start.Offset}
}
