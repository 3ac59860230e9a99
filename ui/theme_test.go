package ui

import (
	"image/color"
	"math"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// contrast returns the WCAG 2 contrast ratio of two opaque colours (1 to 21).
func contrast(a, b color.Color) float64 {
	lum := func(c color.Color) float64 {
		r, g, b, _ := c.RGBA()
		ch := func(v uint32) float64 {
			s := float64(v) / 0xffff
			if s <= 0.04045 {
				return s / 12.92
			}
			return math.Pow((s+0.055)/1.055, 2.4)
		}
		return 0.2126*ch(r) + 0.7152*ch(g) + 0.0722*ch(b)
	}
	la, lb := lum(a), lum(b)
	return (math.Max(la, lb) + 0.05) / (math.Min(la, lb) + 0.05)
}

// contrastPairs are the text/background pairs the clinic theme must keep
// legible, with their minimum contrast ratios (WCAG: 7 AAA, 4.5 AA).
var contrastPairs = []struct {
	name   string
	fg, bg fyne.ThemeColorName
	min    float64
}{
	{"text", theme.ColorNameForeground, theme.ColorNameBackground, 7},
	{"input text", theme.ColorNameForeground, theme.ColorNameInputBackground, 7},
	{"placeholder", theme.ColorNamePlaceHolder, theme.ColorNameInputBackground, 4.5},
	{"disabled", theme.ColorNameDisabled, theme.ColorNameBackground, 4.5},
	{"button", theme.ColorNameForeground, theme.ColorNameButton, 7},
	{"disabled button", theme.ColorNameDisabled, theme.ColorNameDisabledButton, 4.5},
	{"table header", theme.ColorNameForeground, theme.ColorNameHeaderBackground, 7},
	{"primary button", theme.ColorNameForegroundOnPrimary, theme.ColorNamePrimary, 4.5},
	{"error text", theme.ColorNameError, theme.ColorNameBackground, 4.5},
	{"danger button", theme.ColorNameForegroundOnError, theme.ColorNameError, 4.5},
	{"warning text", theme.ColorNameWarning, theme.ColorNameBackground, 4.5},
	{"success text", theme.ColorNameSuccess, theme.ColorNameBackground, 4.5},
}

func TestRehabThemeContrast(t *testing.T) {
	test.NewTempApp(t)
	th := newRehabTheme()
	for _, v := range []fyne.ThemeVariant{theme.VariantLight, theme.VariantDark} {
		for _, p := range contrastPairs {
			if c := contrast(th.Color(p.fg, v), th.Color(p.bg, v)); c < p.min {
				t.Errorf("variant %d, %s: contrast %.2f, want ≥ %v", v, p.name, c, p.min)
			}
		}
	}
	// The check discriminates: Fyne's default theme misses at least one pair.
	def, misses := theme.DefaultTheme(), 0
	for _, v := range []fyne.ThemeVariant{theme.VariantLight, theme.VariantDark} {
		for _, p := range contrastPairs {
			if contrast(def.Color(p.fg, v), def.Color(p.bg, v)) < p.min {
				misses++
			}
		}
	}
	if misses == 0 {
		t.Error("the default theme passes every contrast pair; the rehab theme adds nothing")
	}
}

func TestRehabThemeSizes(t *testing.T) {
	test.NewTempApp(t)
	th, def := newRehabTheme(), theme.DefaultTheme()
	for _, n := range []fyne.ThemeSizeName{
		theme.SizeNameText, theme.SizeNameCaptionText, theme.SizeNameHeadingText, theme.SizeNameSubHeadingText,
		theme.SizeNameInlineIcon, theme.SizeNameInnerPadding, theme.SizeNamePadding, theme.SizeNameScrollBar,
	} {
		if th.Size(n) <= def.Size(n) {
			t.Errorf("Size(%s) = %v, want larger than the default %v", n, th.Size(n), def.Size(n))
		}
	}
	if th.Size(theme.SizeNameText) < 16 {
		t.Errorf("text size %v, want ≥ 16", th.Size(theme.SizeNameText))
	}
	// Names it does not override come from the default theme.
	if th.Size(theme.SizeNameSelectionRadius) != def.Size(theme.SizeNameSelectionRadius) {
		t.Error("SelectionRadius not delegated")
	}
	if th.Color(theme.ColorNameShadow, theme.VariantLight) != def.Color(theme.ColorNameShadow, theme.VariantLight) {
		t.Error("Shadow colour not delegated")
	}
	if th.Icon(theme.IconNameHome) != def.Icon(theme.IconNameHome) || th.Font(fyne.TextStyle{}) != def.Font(fyne.TextStyle{}) {
		t.Error("icons or fonts not delegated")
	}
}

// TestRehabThemeTouchTargets checks that buttons are at least 44 units
// high (the common touch-target guideline) once New applied the theme.
func TestRehabThemeTouchTargets(t *testing.T) {
	h := newHarness(t)
	if _, ok := fyne.CurrentApp().Settings().Theme().(*rehabTheme); !ok {
		t.Fatal("New did not apply the rehab theme")
	}
	for name, b := range map[string]*widget.Button{
		"Record": h.m.Live.Record, "Connect": h.m.Device.Connect, "Add patient": h.m.Patients.AddButton,
	} {
		if hgt := b.MinSize().Height; hgt < 44 {
			t.Errorf("%s button is %v high, want ≥ 44", name, hgt)
		}
	}
	fyne.CurrentApp().Settings().SetTheme(theme.DefaultTheme())
	if hgt := widget.NewButton("Record", nil).MinSize().Height; hgt >= 44 {
		t.Errorf("the default theme's buttons are already %v high: this check no longer discriminates", hgt)
	}
}
