package tray

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"

	"github.com/helio-linux/helio/assets"
)

// Inks for the icon's outlines. A tray cannot see its panel's colour, so
// it draws in [InkGrey], which shows on light and dark panels alike,
// unless the user picks the light or the dark one.
var (
	InkGrey  = color.NRGBA{0x88, 0x8a, 0x85, 0xff}
	InkLight = color.NRGBA{0xee, 0xee, 0xec, 0xff}
	InkDark  = assets.Ink
)

// IconSize is the side of the tray icon's pixmap, in pixels. Hosts scale
// it to the panel; 64 stays sharp on a 2× panel of 32 pixels.
const IconSize = 64

// badgeSize is the side of the light badge in the icon's lower right
// corner: large enough to tell sun from dark on a 22-pixel panel.
const badgeSize = IconSize * 15 / 32

// batteryShift moves the battery left when there is a badge: the battery
// icons leave a quarter of their width empty on each side, and the badge
// must not hide the level the battery's fill shows.
const batteryShift = IconSize * 5 / 32

// Icon draws the tray icon s stands for as a PNG: the battery of
// s.Fallback and, when a solar keyboard has a light reading, the sun or
// the dark of s.Light as a badge in the lower right corner. Outlines are
// drawn in ink. StatusNotifierItem hosts take the icon as a pixmap, so the
// picture is drawn here rather than named from the icon theme.
func Icon(s Summary, ink color.NRGBA) ([]byte, error) {
	img, err := assets.Render(s.Fallback, IconSize, ink)
	if err != nil {
		return nil, fmt.Errorf("tray icon: %w", err)
	}
	if s.Light != "" {
		badge, err := assets.Render(s.Light, badgeSize, ink)
		if err != nil {
			return nil, fmt.Errorf("tray icon badge: %w", err)
		}
		both := image.NewNRGBA(img.Bounds())
		draw.Draw(both, img.Bounds().Sub(image.Pt(batteryShift, 0)), img, image.Point{}, draw.Src)
		at := image.Pt(IconSize-badgeSize, IconSize-badgeSize)
		draw.Draw(both, badge.Bounds().Add(at), badge, image.Point{}, draw.Over)
		img = both
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("tray icon: %w", err)
	}
	return buf.Bytes(), nil
}
