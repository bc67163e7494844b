package config

import (
	"testing"
)

// FuzzDecode: no config text may panic the parser, and one it accepts must
// be valid, or its problem located in the text.
func FuzzDecode(f *testing.F) {
	for _, seed := range []string{
		"", "[light]\ninterval = \"10m\"\nreports = 3\non_button = false\n",
		"[thresholds]\nlow = 20\ncritical = 5\nhysteresis = 3\ndark_after = \"2h\"\n",
		"[history]\nfull = \"7d\"\nkeep = \"365d\"\npath = \"/tmp/h.db\"\n",
		"[monitor]\npoll = \"5m\"\npoll_max = \"1h\"\n", "[light]\ninterval = 600\n",
		"[thresholds]\ncritical = 30\n", "x = [1, 2", "[light.inner]\na = 1\n", "\x00\xff\xfe",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		c := Default()
		if err := decode(doc, &c); err != nil {
			if err.Error() == "" {
				t.Fatal("an error without a message")
			}
			return
		}
		if p := c.problems(); len(p) > 0 {
			if e := p[0].locate(doc); e.Error() == "" {
				t.Fatal("a problem without a message")
			}
		}
	})
}
