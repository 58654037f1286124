package mapstyle

import (
	"bytes"
	"encoding/json"
	"image/png"
	"reflect"
	"testing"

	"github.com/greenreach/greenreach/geo/index"
)

// TestSprite: each sheet is one row of 16 px icons (32 px at @2x), its
// index names each icon's box, every icon has ink and a clear corner.
func TestSprite(t *testing.T) {
	s := New(nil)
	for _, ratio := range []int{1, 2} {
		sp := s.sprites[ratio]
		img, err := png.Decode(bytes.NewReader(sp.PNG))
		if err != nil {
			t.Fatal(err)
		}
		side := 16 * ratio
		if b := img.Bounds(); b.Dx() != side*len(icons) || b.Dy() != side {
			t.Fatalf("@%dx: %v", ratio, b)
		}
		var index map[string]spriteEntry
		if err := json.Unmarshal(sp.JSON, &index); err != nil || len(index) != len(icons) {
			t.Fatalf("@%dx index: %v %v", ratio, err, index)
		}
		for i, ic := range icons {
			e := index[ic.name]
			if e != (spriteEntry{X: i * side, Y: 0, Width: side, Height: side, PixelRatio: ratio}) {
				t.Errorf("@%dx %s: %+v", ratio, ic.name, e)
			}
			if _, _, _, a := img.At(e.X, e.Y).RGBA(); a != 0 {
				t.Errorf("@%dx %s: the corner is not clear", ratio, ic.name)
			}
			if _, _, _, a := img.At(e.X+side/2, e.Y+side/2).RGBA(); a == 0 {
				t.Errorf("@%dx %s: no ink at the centre", ratio, ic.name)
			}
		}
	}
	if again := New(nil); !bytes.Equal(again.sprites[2].PNG, s.sprites[2].PNG) || again.sprites[2].PNGTag != s.sprites[2].PNGTag {
		t.Error("the sprite is not the same from one start to the next")
	}
}

// TestLabels: labels read the name field (the layers have no name:zh, so
// no coalesce), in the served font stack, and the style's URLs hang off the
// base given.
func TestLabels(t *testing.T) {
	st := Style("https://gis.example.cn/greenreach", index.Empty())
	if st["glyphs"] != "https://gis.example.cn/greenreach/fonts/{fontstack}/{range}.pbf" || st["sprite"] != "https://gis.example.cn/greenreach/sprite" {
		t.Errorf("glyphs %v, sprite %v", st["glyphs"], st["sprite"])
	}
	if _, ok := st["center"]; ok {
		t.Error("an empty index has no centre")
	}
	labels := 0
	for _, l := range st["layers"].([]map[string]any) {
		layout, _ := l["layout"].(map[string]any)
		if tf, ok := layout["text-field"]; ok {
			labels++
			if !reflect.DeepEqual(tf, []any{"get", "name"}) || !reflect.DeepEqual(layout["text-font"], []string{"Greenreach Sans Regular"}) {
				t.Errorf("%s: text-field %v, font %v", l["id"], tf, layout["text-font"])
			}
		}
	}
	if labels != 2 {
		t.Errorf("%d label layers, want 2 (parks, roads)", labels)
	}
}
