package assets

import (
	"bytes"
	"image/png"
	"testing"
)

func TestIcon(t *testing.T) {
	img, err := png.Decode(bytes.NewReader(IconPNG))
	if err != nil {
		t.Fatalf("icon is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 256 || b.Dy() != 256 {
		t.Fatalf("icon is %v, want 256×256", b)
	}
	if !bytes.Contains(IconSVG, []byte("<svg")) {
		t.Fatal("IconSVG is not SVG")
	}
}
