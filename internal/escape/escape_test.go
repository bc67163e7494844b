package escape

import (
	"strings"
	"testing"
)

func TestText(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"Wireless Solar Keyboard K750", "Wireless Solar Keyboard K750"},
		{"Café ünïcode 日本", "Café ünïcode 日本"},
		{"evil\x1b[2J", `evil\x1b[2J`},
		{"two\r\nlines", `two\x0d\x0alines`},
		{"percentage: 100%\n  percentage: 1%", `percentage: 100%\x0a  percentage: 1%`},
		{"tab\there", `tab\x09here`},
		{"del\x7f", `del\x7f`},
		{"c1\u009b31m", `c1\x9b31m`},
		{"bidi\u202egnp.exe", `bidi\u202egnp.exe`},
		{"bad\xffutf8", `bad\xffutf8`},
		{"real \uFFFD stays", "real \uFFFD stays"},
		{"", ""},
	} {
		if got := Text(tt.in); got != tt.want {
			t.Errorf("Text(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzText(f *testing.F) {
	f.Add("K750\x1b[31m\r\n")
	f.Fuzz(func(t *testing.T, s string) {
		out := Text(s)
		for _, r := range out {
			if unsafe(r) {
				t.Fatalf("Text(%q) = %q keeps %U", s, out, r)
			}
		}
		if !needs(s) && out != s {
			t.Fatalf("Text(%q) = %q changed safe text", s, out)
		}
	})
}

func TestQuote(t *testing.T) {
	long := strings.Repeat("A", 100<<20)
	for _, tt := range []struct{ in, want string }{
		{"4082", `"4082"`},
		{"evil\x1b", `"evil\x1b"`},
		{long, `"` + strings.Repeat("A", 40) + `… (104857600 bytes)`},
		{strings.Repeat("é", 30), `"` + strings.Repeat("é", 20) + `… (60 bytes)`},
	} {
		if got := Quote(tt.in); got != tt.want {
			t.Errorf("Quote(%.20q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
