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

// lightIcons are the freedesktop names of the light badges.
var lightIcons = map[string]string{
	assets.SolarSun:  "weather-clear-symbolic",
	assets.SolarDark: "weather-clear-night-symbolic",
}

// Icon draws the tray icon s stands for as a PNG: the battery of
// s.IconName from the icon theme, else of s.Fallback from Helio's own
// icons, and, when a solar keyboard has a light reading, the sun or the
// dark of s.Light as a badge in the lower right corner. Outlines, and
// symbolic theme icons, are drawn in ink. theme may be nil: Helio's own
// icons only.
func Icon(s Summary, ink color.NRGBA, theme *Theme) ([]byte, error) {
	img, err := draw1(s.IconName, s.Fallback, IconSize, ink, theme)
	if err != nil {
		return nil, fmt.Errorf("tray icon: %w", err)
	}
	if s.Light != "" {
		badge, err := draw1(lightIcons[s.Light], s.Light, badgeSize, ink, theme)
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

// draw1 draws the theme's icon called name, or Helio's own fallback when
// the theme lacks it or it cannot be drawn.
func draw1(name, fallback string, size int, ink color.NRGBA, theme *Theme) (*image.NRGBA, error) {
	if doc, ok := theme.Lookup(name, fmt.Sprintf("#%02x%02x%02x", ink.R, ink.G, ink.B)); ok {
		if img, err := assets.RenderSVG(doc, size); err == nil {
			return img, nil
		}
	}
	return assets.Render(fallback, size, ink)
}
