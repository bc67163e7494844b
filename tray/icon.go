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

// Light and dark inks for the icon's outlines. Panels are dark on most
// desktops (GNOME, Xfce and KDE's defaults), so the tray draws in
// [InkLight] unless told otherwise.
var (
	InkLight = color.NRGBA{0xee, 0xee, 0xec, 0xff}
	InkDark  = assets.Ink
)

// IconSize is the side of the tray icon's pixmap, in pixels. Hosts scale
// it to the panel; 64 stays sharp on a 2× panel of 32 pixels.
const IconSize = 64

// badgeSize is the side of the light badge drawn over the battery's lower
// right corner: large enough to tell sun from dark on a 22-pixel panel.
const badgeSize = IconSize * 9 / 16

// Icon draws the tray icon s stands for as a PNG: the battery of
// s.Fallback, with the sun or the dark of s.Light as a badge in its lower
// right corner when a solar keyboard has a light reading. Outlines are
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
		at := image.Pt(IconSize-badgeSize, IconSize-badgeSize)
		draw.Draw(img, badge.Bounds().Add(at), badge, image.Point{}, draw.Over)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("tray icon: %w", err)
	}
	return buf.Bytes(), nil
}
