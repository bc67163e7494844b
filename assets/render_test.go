package assets

import (
	"errors"
	"image/color"
	"io/fs"
	"testing"
)

func TestRender(t *testing.T) {
	light := color.NRGBA{0xde, 0xdd, 0xda, 0xff}
	for _, name := range Names() {
		for _, size := range []int{16, 24, 64} {
			img, err := Render(name, size, light)
			if err != nil {
				t.Fatalf("Render(%q, %d): %v", name, size, err)
			}
			if b := img.Bounds(); b.Dx() != size || b.Dy() != size {
				t.Fatalf("Render(%q, %d) is %v", name, size, b)
			}
			// Every icon covers a fair part of its square and leaves the
			// corners see-through, as a tray icon must.
			painted := 0
			for i := 3; i < len(img.Pix); i += 4 {
				if img.Pix[i] > 0 {
					painted++
				}
			}
			if frac := float64(painted) / float64(size*size); frac < 0.08 || frac > 0.9 {
				t.Errorf("Render(%q, %d): %.0f %% of pixels painted", name, size, frac*100)
			}
			if a := img.NRGBAAt(0, size-1).A; a != 0 {
				t.Errorf("Render(%q, %d): bottom-left corner alpha %d, want 0", name, size, a)
			}
		}
	}
}

func TestRender_Ink(t *testing.T) {
	// The battery's cap is filled with the ink over x 9..15, y 1.5..4 of
	// the 24-unit view box: at 48 px, (20, 5) is well inside it.
	for _, ink := range []color.NRGBA{Ink, {0xff, 0x00, 0x00, 0xff}} {
		img, err := Render(BatteryGood, 48, ink)
		if err != nil {
			t.Fatal(err)
		}
		if got := img.NRGBAAt(20, 5); got != ink {
			t.Errorf("cap pixel = %v, want the ink %v", got, ink)
		}
	}
}

func TestRender_Errors(t *testing.T) {
	if _, err := Render("no-such-icon", 24, Ink); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("unknown icon: err = %v, want fs.ErrNotExist", err)
	}
	for _, size := range []int{0, -1, 5000} {
		if _, err := Render(BatteryGood, size, Ink); err == nil {
			t.Errorf("size %d: no error", size)
		}
	}
}

func BenchmarkRender(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Render(BatteryGood, 64, Ink); err != nil {
			b.Fatal(err)
		}
	}
}

func TestRenderSVG_Errors(t *testing.T) {
	for _, doc := range []string{"", "<svg", "not xml at all", `<svg xmlns="http://www.w3.org/2000/svg"><path d="M0 0 L"/></svg>`} {
		if _, err := RenderSVG([]byte(doc), 24); err == nil {
			t.Errorf("RenderSVG(%q): no error", doc)
		}
	}
}
