package assets

import (
	"bytes"
	"fmt"
	"image"
	"image/color"

	"github.com/fyne-io/oksvg"
	"github.com/srwiley/rasterx"
)

// Ink is the neutral colour the icons draw outlines in: dark, for light
// backgrounds. [Render] can swap it for one that suits a dark panel.
var Ink = color.NRGBA{0x2e, 0x34, 0x36, 0xff}

// inkHex is Ink as the icons' SVG source spells it.
const inkHex = "#2e3436"

// Render draws the icon called name as a size×size image, with its
// outlines in ink instead of [Ink]. StatusNotifierItem hosts take icons as
// pixmaps, and a tray cannot know whether its panel is light or dark, so
// the caller chooses the outline colour.
func Render(name string, size int, ink color.NRGBA) (*image.NRGBA, error) {
	if size < 1 || size > 1024 {
		return nil, fmt.Errorf("assets: render %q: size %d is not between 1 and 1024", name, size)
	}
	doc, err := Icon(name)
	if err != nil {
		return nil, err
	}
	doc = bytes.ReplaceAll(doc, []byte(inkHex), []byte(fmt.Sprintf("#%02x%02x%02x", ink.R, ink.G, ink.B)))
	img, err := RenderSVG(doc, size)
	if err != nil {
		// The icons are embedded and tested; this is a broken build.
		return nil, fmt.Errorf("assets: render %q: %w", name, err)
	}
	return img, nil
}

// RenderSVG draws an SVG document, such as an icon theme's, as a
// size×size image. It takes the subset of SVG icons use (paths, basic
// shapes, fills, strokes, gradients), and fails on anything else rather
// than draw it wrong.
func RenderSVG(doc []byte, size int) (*image.NRGBA, error) {
	if size < 1 || size > 1024 {
		return nil, fmt.Errorf("size %d is not between 1 and 1024", size)
	}
	icon, err := oksvg.ReadIconStream(bytes.NewReader(doc), oksvg.StrictErrorMode)
	if err != nil {
		return nil, err
	}
	if icon.ViewBox.W <= 0 || icon.ViewBox.H <= 0 {
		return nil, fmt.Errorf("the SVG has no view box")
	}
	icon.SetTarget(0, 0, float64(size), float64(size))
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	scanner := rasterx.NewScannerGV(size, size, img, img.Bounds())
	icon.Draw(rasterx.NewDasher(size, size, scanner), 1)
	return img, nil
}
