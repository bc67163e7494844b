package assets

import (
	"testing"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
)

func TestGoRegular(t *testing.T) {
	f, err := GoRegular()
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := GoRegular(); again != f {
		t.Error("GoRegular() parsed the font twice")
	}
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: 13, DPI: 72})
	if err != nil {
		t.Fatal(err)
	}
	defer face.Close()
	if w := font.MeasureString(face, "57 %").Ceil(); w < 15 || w > 40 {
		t.Errorf("\"57 %%\" at 13 px is %d px wide, want about 25", w)
	}
}
