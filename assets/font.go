package assets

import (
	"fmt"
	"sync"

	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
)

// goRegular is the parsed font. It is a Once reached only from GoRegular,
// not a package-level sync.OnceValues: that would be built at init and so
// reach the font's bytes, and every program importing assets would link
// them (130 kB, with the OpenType parser), the window too, which writes
// with fyne's fonts. Reached from a function, the font is left out of the
// programs that never call it.
var goRegular struct {
	once sync.Once
	font *opentype.Font
	err  error
}

// GoRegular returns the Go Regular font, parsed on first use: the one font
// Helio draws with outside fyne, in the charts of "helio history --png" and
// the percentage the tray writes over its icon. The font is shared: make a
// face of it ([opentype.NewFace]) per goroutine.
func GoRegular() (*opentype.Font, error) {
	goRegular.once.Do(func() {
		f, err := opentype.Parse(goregular.TTF)
		if err != nil {
			// The font is compiled in; this is a broken build.
			goRegular.err = fmt.Errorf("assets: parse the Go Regular font: %w", err)
			return
		}
		goRegular.font = f
	})
	return goRegular.font, goRegular.err
}
