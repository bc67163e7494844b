package tray

import (
	"bytes"
	"image"
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
	plain, err := Icon(Summarize([]sensors.State{percent(m705, 40, discharging)}, DefaultOpts), InkLight, nil)
	if err != nil {
		t.Fatal(err)
	}
	sun, err := Icon(Summarize([]sensors.State{percent(m705, 40, discharging), solar(k750, 90, 600)}, DefaultOpts), InkLight, nil)
	if err != nil {
		t.Fatal(err)
	}
	dark, err := Icon(Summarize([]sensors.State{percent(m705, 40, discharging), solar(k750, 90, 20)}, DefaultOpts), InkLight, nil)
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
	if _, err := Icon(Summary{Fallback: "nope"}, InkLight, nil); err == nil {
		t.Error("unknown fallback: no error")
	}
	if _, err := Icon(Summary{Fallback: assets.BatteryGood, Light: "nope"}, InkLight, nil); err == nil {
		t.Error("unknown light: no error")
	}
}
