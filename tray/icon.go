package tray

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"strings"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

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

// IconOpts says how to draw the tray icon.
type IconOpts struct {
	// Ink is the colour of outlines and of symbolic theme icons.
	Ink color.NRGBA
	// Theme is the icon theme to draw from; nil draws Helio's own icons.
	Theme *Theme
	// Percent writes the lowest battery's percentage over the icon, for
	// panels that show no label beside it.
	Percent bool
}

// Icon draws the tray icon s stands for as a PNG: the battery of
// s.IconName from the icon theme, else of s.Fallback from Helio's own
// icons; when a solar keyboard has a light reading, the sun or the dark
// of s.Light as a badge in the lower right corner; and with o.Percent, the
// figure of s.Text ("57", "~50") along the bottom.
func Icon(s Summary, o IconOpts) ([]byte, error) {
	img, err := draw1(s.IconName, s.Fallback, IconSize, o.Ink, o.Theme)
	if err != nil {
		return nil, fmt.Errorf("tray icon: %w", err)
	}
	room := IconSize
	if s.Light != "" {
		badge, err := draw1(lightIcons[s.Light], s.Light, badgeSize, o.Ink, o.Theme)
		if err != nil {
			return nil, fmt.Errorf("tray icon badge: %w", err)
		}
		both := image.NewNRGBA(img.Bounds())
		draw.Draw(both, img.Bounds().Sub(image.Pt(batteryShift, 0)), img, image.Point{}, draw.Src)
		at := image.Pt(IconSize-badgeSize, IconSize-badgeSize)
		draw.Draw(both, badge.Bounds().Add(at), badge, image.Point{}, draw.Over)
		img, room = both, IconSize-badgeSize
	}
	if o.Percent {
		if digits := percentDigits(s.Text); digits != "" {
			if err := drawFigure(img, digits, room); err != nil {
				return nil, fmt.Errorf("tray icon percentage: %w", err)
			}
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("tray icon: %w", err)
	}
	return buf.Bytes(), nil
}

// percentDigits is the number of a Summary.Text such as "57 %" or
// "about 50 %", as it fits on an icon: "57", "~50"; "" for no figure.
func percentDigits(text string) string {
	f := strings.Fields(text)
	if len(f) < 2 || f[len(f)-1] != "%" {
		return ""
	}
	if len(f) == 3 {
		return "~" + f[1]
	}
	return f[0]
}

// drawFigure writes text along the bottom left of img, as large as fits in
// width pixels (at most half the icon's height), white on a black outline
// so it reads on any panel.
func drawFigure(img *image.NRGBA, text string, width int) error {
	// Parsed on first use: a tray that shows no percentage never reads it.
	ft, err := assets.GoRegular()
	if err != nil {
		return err
	}
	for size := float64(IconSize) / 2; size >= 8; size-- {
		face, err := opentype.NewFace(ft, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
		if err != nil {
			return err
		}
		if font.MeasureString(face, text).Ceil()+4 > width && size > 8 {
			face.Close()
			continue
		}
		base := fixed.P(2, IconSize-3)
		d := &font.Drawer{Dst: img, Face: face, Src: image.NewUniform(color.Black)}
		for _, off := range [][2]int{{-2, 0}, {2, 0}, {0, -2}, {0, 2}, {-1, -1}, {1, 1}, {-1, 1}, {1, -1}} {
			d.Dot = base.Add(fixed.P(off[0], off[1]))
			d.DrawString(text)
		}
		d.Src, d.Dot = image.NewUniform(color.White), base
		d.DrawString(text)
		return face.Close()
	}
	return nil
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
