package config

import (
	"bytes"
	"testing"
)

// FuzzDecode: no config text may panic the parser, and one it refuses gets
// an error with a message, placed inside the text when it has a place.
func FuzzDecode(f *testing.F) {
	for _, seed := range []string{
		"", "[light]\ninterval = \"10m\"\nreports = 3\non_button = false\n",
		"[thresholds]\nlow = 20\ncritical = 5\nhysteresis = 3\ndark_after = \"2h\"\n",
		"[history]\nfull = \"7d\"\nkeep = \"365d\"\npath = \"/tmp/h.db\"\n",
		"[monitor]\npoll = \"5m\"\npoll_max = \"1h\"\n", "[light]\ninterval = 600\n",
		"[thresholds]\ncritical = 30\n", "x = [1, 2", "[light.inner]\na = 1\n", "\x00\xff\xfe",
		"light = {interval = true}\n", "a = {b = 1, c = 2, d = 3}\n" + string(bytes.Repeat([]byte("e=1\n"), 40)),
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		c, err := parse(doc)
		if err == nil {
			if c.Validate() != nil {
				t.Fatalf("parse accepted a config that Validate refuses: %v", c.Validate())
			}
			return
		}
		if err.Msg == "" {
			t.Fatalf("an error without a message: %#v", err)
		}
		if err.Line > bytes.Count(doc, []byte("\n"))+1 || err.Line < 0 {
			t.Fatalf("error %v is at line %d of a %d-line text", err, err.Line, bytes.Count(doc, []byte("\n"))+1)
		}
	})
}
