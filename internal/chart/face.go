package chart

import (
	"fmt"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"

	"github.com/helio-linux/helio/assets"
)

// face is a font face at one size, with the metrics the layout uses, in
// whole pixels.
type face struct {
	font.Face
	ascent, descent, height, xHeight int
}

func (f face) width(s string) int { return font.MeasureString(f.Face, s).Ceil() }

// faces are the sizes a chart uses. A face caches glyphs and is not safe
// for concurrent use: each drawing makes its own.
type faces struct{ title, small face }

func newFaces() (*faces, error) {
	ft, err := assets.GoRegular()
	if err != nil {
		return nil, err
	}
	mk := func(size float64) (face, error) {
		ff, err := opentype.NewFace(ft, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
		if err != nil {
			return face{}, fmt.Errorf("chart: a %g px face: %w", size, err)
		}
		m := ff.Metrics()
		return face{Face: ff, ascent: m.Ascent.Ceil(), descent: m.Descent.Ceil(), height: m.Height.Ceil(),
			xHeight: m.XHeight.Round()}, nil
	}
	var f faces
	if f.title, err = mk(17); err != nil {
		return nil, err
	}
	if f.small, err = mk(13); err != nil {
		return nil, err
	}
	return &f, nil
}
