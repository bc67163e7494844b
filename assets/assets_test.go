package assets

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"io/fs"
	"slices"
	"strings"
	"testing"
)

func TestNames(t *testing.T) {
	want := []string{
		BatteryCharging, BatteryCritical, BatteryFull, BatteryGood,
		BatteryLow, BatteryMissing, SolarDark, SolarSun,
	}
	slices.Sort(want)
	if got := Names(); !slices.Equal(got, want) {
		t.Errorf("Names() = %q, want %q", got, want)
	}
}

func TestNames_ReturnsCopy(t *testing.T) {
	n := Names()
	n[0] = "changed"
	if Names()[0] == "changed" {
		t.Error("Names() returned the package's own slice; a caller changed it")
	}
}

func TestIcon(t *testing.T) {
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			b, err := Icon(name)
			if err != nil {
				t.Fatalf("Icon(%q) error: %v", name, err)
			}
			checkSVG(t, b)
		})
	}
}

// checkSVG parses b fully and checks its root is <svg> in the SVG
// namespace with a 24×24 view box.
func checkSVG(t *testing.T, b []byte) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(b))
	var root *xml.StartElement
	depth := 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("malformed XML: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if root == nil {
				se := tok.Copy()
				root = &se
			} else if depth == 0 {
				t.Fatalf("second root element <%s>", tok.Name.Local)
			}
			depth++
		case xml.EndElement:
			depth--
		}
	}
	if root == nil {
		t.Fatal("no root element")
	}
	if root.Name.Local != "svg" || root.Name.Space != "http://www.w3.org/2000/svg" {
		t.Errorf("root = {%s}%s, want {http://www.w3.org/2000/svg}svg", root.Name.Space, root.Name.Local)
	}
	var viewBox string
	for _, a := range root.Attr {
		if a.Name.Local == "viewBox" {
			viewBox = a.Value
		}
	}
	if viewBox != "0 0 24 24" {
		t.Errorf("viewBox = %q, want %q", viewBox, "0 0 24 24")
	}
}

func TestIcon_Unknown(t *testing.T) {
	for _, name := range []string{"", "battery", "battery-full.svg", "../assets.go", "icons/battery-full", "BATTERY-FULL"} {
		b, err := Icon(name)
		if err == nil {
			t.Errorf("Icon(%q) = %d bytes, want an error", name, len(b))
			continue
		}
		if !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Icon(%q) error %v does not wrap fs.ErrNotExist", name, err)
		}
		// The message must name the icon asked for and every valid name,
		// so a typo in a config file is easy to fix.
		msg := err.Error()
		for _, want := range append([]string{name}, Names()...) {
			if !strings.Contains(msg, want) {
				t.Errorf("Icon(%q) error %q does not mention %q", name, msg, want)
			}
		}
	}
}

func TestIcon_ReturnsCopy(t *testing.T) {
	b, err := Icon(BatteryFull)
	if err != nil {
		t.Fatal(err)
	}
	b[0] = 'X'
	again, err := Icon(BatteryFull)
	if err != nil {
		t.Fatal(err)
	}
	if again[0] == 'X' {
		t.Error("Icon returned shared bytes; a caller changed the embedded icon")
	}
}
