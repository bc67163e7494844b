package tray

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"testing"

	"github.com/helio-linux/helio/assets"
	"github.com/helio-linux/helio/sensors"
)

func decode(t *testing.T, b []byte) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	if s := img.Bounds().Size(); s.X != IconSize || s.Y != IconSize {
		t.Fatalf("icon is %v, want %d×%d", s, IconSize, IconSize)
	}
	return img
}

func TestIcon(t *testing.T) {
	plain, err := Icon(Summarize([]sensors.State{percent(m705, 40, discharging)}, DefaultOpts), IconOpts{Ink: InkLight})
	if err != nil {
		t.Fatal(err)
	}
	sun, err := Icon(Summarize([]sensors.State{percent(m705, 40, discharging), solar(k750, 90, 600)}, DefaultOpts), IconOpts{Ink: InkLight})
	if err != nil {
		t.Fatal(err)
	}
	dark, err := Icon(Summarize([]sensors.State{percent(m705, 40, discharging), solar(k750, 90, 20)}, DefaultOpts), IconOpts{Ink: InkLight})
	if err != nil {
		t.Fatal(err)
	}
	p, s, d := decode(t, plain), decode(t, sun), decode(t, dark)
	// The badge sits in the lower right corner, and the battery moves
	// left to make room: its top rows are the plain battery's, shifted.
	corner := func(img image.Image) [4]uint32 {
		r, g, b, a := img.At(IconSize-badgeSize/2, IconSize-badgeSize/2).RGBA()
		return [4]uint32{r, g, b, a}
	}
	if corner(p) == corner(s) || corner(s) == corner(d) {
		t.Errorf("badge corner: plain %v, sun %v, dark %v: want three different pictures", corner(p), corner(s), corner(d))
	}
	for y := 0; y < IconSize-badgeSize; y++ {
		for x := batteryShift; x < IconSize; x++ {
			if p.At(x, y) != s.At(x-batteryShift, y) {
				t.Fatalf("(%d, %d) of the plain battery is not at (%d, %d) beside the badge", x, y, x-batteryShift, y)
			}
		}
	}
}

func TestIcon_BadName(t *testing.T) {
	if _, err := Icon(Summary{Fallback: "nope"}, IconOpts{Ink: InkLight}); err == nil {
		t.Error("unknown fallback: no error")
	}
	if _, err := Icon(Summary{Fallback: assets.BatteryGood, Light: "nope"}, IconOpts{Ink: InkLight}); err == nil {
		t.Error("unknown light: no error")
	}
}

func TestPercentDigits(t *testing.T) {
	for text, want := range map[string]string{
		"57 %": "57", "100 %": "100", "about 50 %": "~50", "": "", "good": "",
	} {
		if got := percentDigits(text); got != want {
			t.Errorf("percentDigits(%q) = %q, want %q", text, got, want)
		}
	}
}

// TestIcon_Percent checks that the figure is written, white on black,
// along the bottom, and left of a light badge.
func TestIcon_Percent(t *testing.T) {
	count := func(img image.Image, r image.Rectangle, c color.NRGBA) int {
		n := 0
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				if color.NRGBAModel.Convert(img.At(x, y)) == c {
					n++
				}
			}
		}
		return n
	}
	white, black := color.NRGBA{0xff, 0xff, 0xff, 0xff}, color.NRGBA{0, 0, 0, 0xff}
	for _, tt := range []struct {
		states []sensors.State
		left   int // the figure's pixels lie left of this x
	}{
		{[]sensors.State{percent(m705, 40, discharging)}, IconSize},
		{[]sensors.State{percent(m705, 100, discharging), solar(k750, 90, 20)}, IconSize - badgeSize},
	} {
		s := Summarize(tt.states, DefaultOpts)
		plain, err := Icon(s, IconOpts{Ink: InkGrey})
		if err != nil {
			t.Fatal(err)
		}
		with, err := Icon(s, IconOpts{Ink: InkGrey, Percent: true})
		if err != nil {
			t.Fatal(err)
		}
		p, w := decode(t, plain), decode(t, with)
		bottom := image.Rect(0, IconSize/2, tt.left, IconSize)
		if n := count(w, bottom, white) - count(p, bottom, white); n < 40 {
			t.Errorf("%s: %d more white pixels in the bottom left with the percentage, want a figure", s.Text, n)
		}
		if n := count(w, bottom, black); n < 40 {
			t.Errorf("%s: %d black outline pixels, want an outline", s.Text, n)
		}
		right := image.Rect(tt.left, 0, IconSize, IconSize)
		if count(w, right, white) != count(p, right, white) {
			t.Errorf("%s: the figure spills over x = %d", s.Text, tt.left)
		}
	}
}
