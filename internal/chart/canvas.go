package chart

import (
	"image"
	"image/color"
	"image/draw"
	"math"

	"golang.org/x/image/font"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"
)

type fpoint struct{ x, y float32 }

// canvas is an image with the tools to draw on it. It is not safe for
// concurrent use.
type canvas struct {
	img *image.RGBA
	z   vector.Rasterizer // reused for every stroke, sized to its clip
	src image.Uniform     // reused, so that drawing does not allocate
}

func newCanvas(w, h int) *canvas {
	return &canvas{img: image.NewRGBA(image.Rect(0, 0, w, h))}
}

// fill paints r with the opaque colour c.
func (cv *canvas) fill(r image.Rectangle, c color.RGBA) {
	cv.src.C = c
	draw.Draw(cv.img, r, &cv.src, image.Point{}, draw.Src)
}

// stroke draws a polyline of the given width inside clip, antialiased:
// each segment is a quad, extended by half the width at both ends so that
// corners are filled. All quads turn the same way, so the rasterizer's
// coverage of overlapping ones adds up (and saturates) instead of
// cancelling.
func (cv *canvas) stroke(clip image.Rectangle, path []fpoint, width float32, c color.RGBA) {
	if len(path) == 0 {
		return
	}
	// Rasterize only the path's bounds: the rasterizer works on every
	// pixel of its area.
	lo, hi := path[0], path[0]
	for _, p := range path[1:] {
		lo.x, lo.y = min(lo.x, p.x), min(lo.y, p.y)
		hi.x, hi.y = max(hi.x, p.x), max(hi.y, p.y)
	}
	pad := width/2 + 1
	bounds := image.Rect(int(math.Floor(float64(lo.x-pad))), int(math.Floor(float64(lo.y-pad))),
		int(math.Ceil(float64(hi.x+pad))), int(math.Ceil(float64(hi.y+pad))))
	clip = clip.Intersect(bounds).Intersect(cv.img.Bounds())
	if clip.Empty() {
		return
	}
	cv.z.Reset(clip.Dx(), clip.Dy())
	ox, oy := float32(clip.Min.X), float32(clip.Min.Y)
	h := width / 2
	quad := func(p, q fpoint) bool {
		dx, dy := q.x-p.x, q.y-p.y
		n := float32(math.Hypot(float64(dx), float64(dy)))
		if n == 0 {
			return false
		}
		dx, dy = dx/n*h, dy/n*h // along the segment
		nx, ny := -dy, dx       // across it
		cv.z.MoveTo(p.x-dx+nx-ox, p.y-dy+ny-oy)
		cv.z.LineTo(q.x+dx+nx-ox, q.y+dy+ny-oy)
		cv.z.LineTo(q.x+dx-nx-ox, q.y+dy-ny-oy)
		cv.z.LineTo(p.x-dx-nx-ox, p.y-dy-ny-oy)
		cv.z.ClosePath()
		return true
	}
	drawn := false
	for i := 1; i < len(path); i++ {
		drawn = quad(path[i-1], path[i]) || drawn
	}
	if !drawn { // all in one point: a square
		p := path[0]
		quad(fpoint{p.x - 1e-3, p.y}, p)
	}
	cv.src.C = c
	cv.z.DrawOp = draw.Over
	cv.z.Draw(cv.img, clip, &cv.src, image.Point{})
}

// dot draws a disc of radius r centred on (x, y), clipped to clip.
func (cv *canvas) dot(clip image.Rectangle, x, y, r float32, c color.RGBA) {
	clip = clip.Intersect(image.Rect(int(x-r)-1, int(y-r)-1, int(x+r)+2, int(y+r)+2)).Intersect(cv.img.Bounds())
	if clip.Empty() {
		return
	}
	cv.z.Reset(clip.Dx(), clip.Dy())
	x, y = x-float32(clip.Min.X), y-float32(clip.Min.Y)
	const k = 0.5523 // control distance of a quarter circle's cubic, per radius
	cv.z.MoveTo(x+r, y)
	cv.z.CubeTo(x+r, y+k*r, x+k*r, y+r, x, y+r)
	cv.z.CubeTo(x-k*r, y+r, x-r, y+k*r, x-r, y)
	cv.z.CubeTo(x-r, y-k*r, x-k*r, y-r, x, y-r)
	cv.z.CubeTo(x+k*r, y-r, x+r, y-k*r, x+r, y)
	cv.z.ClosePath()
	cv.src.C = c
	cv.z.DrawOp = draw.Over
	cv.z.Draw(cv.img, clip, &cv.src, image.Point{})
}

// text draws s with its left end at x on the baseline y.
func (cv *canvas) text(f face, x, y int, s string, c color.RGBA) {
	cv.src.C = c
	d := font.Drawer{Dst: cv.img, Src: &cv.src, Face: f.Face, Dot: fixed.P(x, y)}
	d.DrawString(s)
}
