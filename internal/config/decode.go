package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"reflect"
	"strings"

	"github.com/helio-linux/helio/internal/safefile"
	"github.com/pelletier/go-toml/v2"
	"github.com/pelletier/go-toml/v2/unstable"
)

// maxSize is the largest config file [Load] reads. A complete file with
// comments takes about 1 KiB; the cap keeps a path that leads to a huge or
// endless file from filling the memory.
const maxSize = 1 << 20

// read returns the content of the regular file at path, or an [*Error]
// saying why not; a missing file is the open error as it is, for
// errors.Is(err, fs.ErrNotExist).
func read(path string) ([]byte, error) {
	doc, err := safefile.Read(path, maxSize)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, err
	case errors.Is(err, safefile.ErrNotRegular), errors.Is(err, safefile.ErrTooLarge):
		// The message names the file already; say only what it is.
		msg := strings.TrimPrefix(err.Error(), path+" ")
		return nil, &Error{File: path, Msg: "cannot read: " + msg, Err: err}
	case err != nil:
		msg := err
		var pe *fs.PathError
		if errors.As(err, &pe) {
			msg = pe.Err // Error names the file already
		}
		return nil, &Error{File: path, Msg: "cannot read: " + msg.Error(), Err: err}
	}
	return doc, nil
}

// maxKeys is the most keys (table headers and keys of values, those in
// inline tables included) that decode hands the TOML decoder. go-toml finds
// a duplicate key by comparing each key with every one before it, and
// writes each unknown-key error with the whole document: its time grows as
// the square of the keys (30 000 unknown keys took 36 s). A valid file has
// at most 23 keys (6 tables and 17 settings), so a file with more has its
// first problem within its first maxKeys keys.
const maxKeys = 32

// decode reads doc into c strictly, giving the decoder no more than
// maxKeys keys.
func decode(doc []byte, c *Config) *Error {
	doc, over := head(doc)
	d := toml.NewDecoder(bytes.NewReader(doc))
	d.DisallowUnknownFields()
	if err := d.Decode(c); err != nil {
		return fromDecoder(err, doc, c)
	}
	return over
}

// head returns the lines of doc before the expression that takes it past
// maxKeys keys, and an [*Error] at that expression for when they decode
// without one; or all of doc and nil. It stops reading at that expression,
// or at a syntax error, which the decoder then reports.
func head(doc []byte) ([]byte, *Error) {
	var p unstable.Parser
	p.Reset(doc)
	n := 0
	for p.NextExpression() {
		e := p.Expression()
		if n += countKeys(e); n <= maxKeys {
			continue
		}
		var key []string
		var first unstable.Range
		for it := e.Key(); it.Next(); {
			if key == nil {
				first = it.Node().Raw
			}
			key = append(key, string(it.Node().Data))
		}
		at := p.Shape(first).Start
		cut := bytes.LastIndexByte(doc[:first.Offset], '\n') + 1
		return doc[:cut], &Error{Line: at.Line, Col: at.Column, Key: strings.Join(key, "."),
			Msg: fmt.Sprintf("too many keys: a config file has at most %d", maxKeys)}
	}
	return doc, nil
}

// countKeys counts the keys in the expression or value n.
func countKeys(n *unstable.Node) int {
	switch n.Kind {
	case unstable.Table, unstable.ArrayTable:
		return 1
	case unstable.KeyValue:
		return 1 + countKeys(n.Value())
	case unstable.Array, unstable.InlineTable:
		sum := 0
		for it := n.Children(); it.Next(); {
			sum += countKeys(it.Node())
		}
		return sum
	}
	return 0
}

// fromDecoder turns the TOML decoder's error about doc, decoded into c,
// into an [*Error] with its position and key, worded for the file's author.
func fromDecoder(err error, doc []byte, c *Config) *Error {
	e := &Error{Msg: err.Error(), Err: err}
	var strict *toml.StrictMissingError
	var de *toml.DecodeError
	var ve *valueError
	switch {
	case errors.As(err, &strict) && len(strict.Errors) > 0:
		first := &strict.Errors[0]
		e.Line, e.Col = first.Position()
		e.Key = strings.Join(first.Key(), ".")
		e.Msg = "unknown key"
		if before(doc, offset(doc, e.Line, e.Col)) == '[' {
			e.Msg = "unknown table"
		}
		// A key inside a setting ([light.interval] minutes = 10) is a
		// table where the setting's value goes.
		key := first.Key()
		for i := 1; i < len(key); i++ {
			if t, ok := settingTypes[strings.Join(key[:i], ".")]; ok {
				if what, kind := want(t); kind != "inline table" {
					e.Key, e.Msg = strings.Join(key[:i], "."), fmt.Sprintf("want %s, got a TOML table", what)
					break
				}
			}
		}
	case errors.As(err, &de):
		e.Line, e.Col = de.Position()
		e.Key = strings.Join(de.Key(), ".")
		e.Msg = strings.TrimPrefix(de.Error(), "toml: ")
		// A value of the wrong kind: the decoder's text names Go types,
		// and the TOML kind only in words. It points at the value, after
		// its "=", so say what the key wants and what the value is.
		t, ok := settingTypes[e.Key]
		off := offset(doc, e.Line, e.Col)
		if ok && before(doc, off) == '=' {
			what, kind := want(t)
			if got := kindOf(doc[off:]); got != "" && got != kind {
				e.Msg = fmt.Sprintf("want %s, got a TOML %s", what, got)
			}
		}
	case errors.As(err, &ve):
		// A number or boolean where a duration goes, given to
		// UnmarshalText as if it were a string: the decoder returns the
		// error without key or position, ve.at tells the key.
		what, _ := want(reflect.TypeFor[Duration]())
		e.Key = keyOf(c, ve.at)
		e.Msg = fmt.Sprintf("want %s, got %s", what, ve.text)
		if got := kindOf([]byte(ve.text)); got != "" {
			e.Msg = fmt.Sprintf("want %s, got a TOML %s", what, got)
		}
	}
	return e
}

// want says what the file must hold for a setting of Go type t, and the
// kind of TOML value that is.
func want(t reflect.Type) (what, kind string) {
	switch t {
	case reflect.TypeFor[int]():
		return "an integer", "integer"
	case reflect.TypeFor[bool]():
		return "true or false", "boolean"
	case reflect.TypeFor[string]():
		return "a string", "string"
	case reflect.TypeFor[Duration]():
		return `a duration string such as "10m" or "7d"`, "string"
	}
	return "a table", "inline table"
}

// settingTypes maps the dotted key of every table and setting of [Config]
// to its Go type.
var settingTypes = func() map[string]reflect.Type {
	types := map[string]reflect.Type{}
	walk(reflect.ValueOf(Default()), "", func(key string, v reflect.Value) { types[key] = v.Type() })
	return types
}()

// keyOf returns the dotted key of the setting of c at d, or "".
func keyOf(c *Config, d *Duration) string {
	var key string
	walk(reflect.ValueOf(c).Elem(), "", func(k string, v reflect.Value) {
		if v.Addr().Interface() == any(d) {
			key = k
		}
	})
	return key
}

// walk calls f with the dotted key and value of each table and setting in
// v, a Config or one of its tables, and of those in its tables.
func walk(v reflect.Value, prefix string, f func(key string, v reflect.Value)) {
	for _, sf := range reflect.VisibleFields(v.Type()) {
		if sf.Anonymous || !sf.IsExported() {
			continue
		}
		key, fv := prefix+sf.Tag.Get("toml"), v.FieldByIndex(sf.Index)
		f(key, fv)
		if sf.Type.Kind() == reflect.Struct && sf.Type != reflect.TypeFor[Duration]() {
			walk(fv, key+".", f)
		}
	}
}

// offset returns where in doc the decoder's 1-based line and column are,
// or -1 when they are not in doc.
func offset(doc []byte, line, col int) int {
	off := 0
	for ; line > 1; line-- {
		i := bytes.IndexByte(doc[off:], '\n')
		if i < 0 {
			return -1
		}
		off += i + 1
	}
	if off += col - 1; col < 1 || off > len(doc) {
		return -1
	}
	return off
}

// before returns the byte before off in doc, spaces and tabs skipped, or 0.
func before(doc []byte, off int) byte {
	if off < 0 {
		return 0
	}
	s := bytes.TrimRight(doc[:off], " \t")
	if len(s) == 0 {
		return 0
	}
	return s[len(s)-1]
}

// kindOf names the kind of the TOML value at the start of b as the
// decoder's messages do, by its first characters, or returns "" when no
// value starts there.
func kindOf(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	switch b[0] {
	case '"', '\'':
		return "string"
	case '[':
		return "array"
	case '{':
		return "inline table"
	}
	if i := bytes.IndexAny(b, " \t\r\n,]}#"); i >= 0 {
		b = b[:i]
	}
	s := string(b)
	date := len(s) >= 10 && s[4] == '-'
	clock := strings.Contains(s, ":")
	number := strings.TrimLeft(s, "+-")
	switch {
	case s == "true" || s == "false":
		return "boolean"
	case date && clock:
		return "date-time"
	case date:
		return "local date"
	case clock:
		return "local time"
	case number == "inf" || number == "nan":
		return "float"
	case number == "" || number[0] < '0' || number[0] > '9':
		return ""
	case len(number) > 1 && number[0] == '0' && strings.ContainsAny(number[1:2], "xob"):
		return "integer"
	case strings.ContainsAny(number, ".eE"):
		return "float"
	}
	return "integer"
}
