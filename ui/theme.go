package ui

import (
	"image/color"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// rehabTheme is the clinic theme: Fyne's default theme with larger text,
// icons and paddings (buttons about 46 px high, for touch screens and
// reduced dexterity) and colours with at least WCAG AA contrast (7:1 for
// body text). Names it does not override fall back to the embedded theme.
type rehabTheme struct {
	fyne.Theme
}

// newRehabTheme returns the clinic theme over theme.DefaultTheme.
func newRehabTheme() *rehabTheme {
	return &rehabTheme{Theme: theme.DefaultTheme()}
}

// Size returns enlarged sizes, in Fyne units.
func (t *rehabTheme) Size(n fyne.ThemeSizeName) float32 {
	switch n {
	case theme.SizeNameText:
		return 17
	case theme.SizeNameCaptionText:
		return 14
	case theme.SizeNameHeadingText:
		return 28
	case theme.SizeNameSubHeadingText:
		return 21
	case theme.SizeNameInlineIcon:
		return 24
	case theme.SizeNameInnerPadding:
		return 12
	case theme.SizeNamePadding:
		return 6
	case theme.SizeNameScrollBar:
		return 18
	case theme.SizeNameInputBorder:
		return 2
	}
	return t.Theme.Size(n)
}

// Color returns high-contrast colours for text, inputs, the primary
// (action) colour and the status colours; other names fall back to the
// default theme.
func (t *rehabTheme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	dark := v == theme.VariantDark
	pick := func(light, darkC color.NRGBA) color.Color {
		if dark {
			return darkC
		}
		return light
	}
	switch n {
	case theme.ColorNameBackground:
		return pick(rgb(0xff, 0xff, 0xff), rgb(0x00, 0x00, 0x00))
	case theme.ColorNameForeground:
		return pick(rgb(0x00, 0x00, 0x00), rgb(0xff, 0xff, 0xff))
	case theme.ColorNameInputBackground:
		return pick(rgb(0xf2, 0xf2, 0xf2), rgb(0x1c, 0x1c, 0x1c))
	case theme.ColorNameInputBorder:
		return pick(rgb(0x4d, 0x4d, 0x4d), rgb(0xb3, 0xb3, 0xb3))
	case theme.ColorNamePlaceHolder:
		return pick(rgb(0x52, 0x52, 0x52), rgb(0xb8, 0xb8, 0xb8))
	case theme.ColorNameDisabled:
		return pick(rgb(0x5c, 0x5c, 0x5c), rgb(0xa6, 0xa6, 0xa6))
	case theme.ColorNamePrimary:
		return pick(rgb(0x0b, 0x5c, 0xad), rgb(0x5c, 0xa8, 0xff))
	case theme.ColorNameForegroundOnPrimary:
		return pick(rgb(0xff, 0xff, 0xff), rgb(0x00, 0x00, 0x00))
	case theme.ColorNameError:
		return pick(rgb(0xb0, 0x00, 0x20), rgb(0xff, 0x73, 0x73))
	case theme.ColorNameForegroundOnError:
		return pick(rgb(0xff, 0xff, 0xff), rgb(0x00, 0x00, 0x00))
	case theme.ColorNameSuccess:
		return pick(rgb(0x1b, 0x6e, 0x20), rgb(0x66, 0xdd, 0x66))
	case theme.ColorNameForegroundOnSuccess:
		return pick(rgb(0xff, 0xff, 0xff), rgb(0x00, 0x00, 0x00))
	case theme.ColorNameWarning:
		return pick(rgb(0x8a, 0x4b, 0x00), rgb(0xff, 0xb3, 0x47))
	case theme.ColorNameForegroundOnWarning:
		return pick(rgb(0xff, 0xff, 0xff), rgb(0x00, 0x00, 0x00))
	case theme.ColorNameButton:
		return pick(rgb(0xe3, 0xe3, 0xe3), rgb(0x33, 0x33, 0x33))
	case theme.ColorNameDisabledButton:
		return pick(rgb(0xee, 0xee, 0xee), rgb(0x1f, 0x1f, 0x1f))
	case theme.ColorNameHeaderBackground:
		return pick(rgb(0xe0, 0xe0, 0xe0), rgb(0x26, 0x26, 0x26))
	case theme.ColorNameSeparator:
		return pick(rgb(0x8c, 0x8c, 0x8c), rgb(0x66, 0x66, 0x66))
	}
	return t.Theme.Color(n, v)
}

func rgb(r, g, b uint8) color.NRGBA { return color.NRGBA{R: r, G: g, B: b, A: 0xff} }

// trackTheme is the clinic theme with a light track colour: a slider's
// track is drawn in the input background, which the dark theme makes
// nearly invisible on a dialog.
type trackTheme struct{ *rehabTheme }

func (t trackTheme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	if n == theme.ColorNameInputBackground {
		return rgb(0x6a, 0x6e, 0x74)
	}
	return t.rehabTheme.Color(n, v)
}

// visibleTrack shows slider s with a track that stands out.
func visibleTrack(s *widget.Slider) fyne.CanvasObject {
	return container.NewThemeOverride(s, trackTheme{newRehabTheme()})
}

// compactTheme is the clinic theme with half the inner padding, for
// tables whose columns must fit a narrow panel.
type compactTheme struct{ *rehabTheme }

func (t compactTheme) Size(n fyne.ThemeSizeName) float32 {
	if n == theme.SizeNameInnerPadding {
		return t.rehabTheme.Size(n) / 2
	}
	return t.rehabTheme.Size(n)
}

// compact shows o with compactTheme.
func compact(o fyne.CanvasObject) fyne.CanvasObject {
	return container.NewThemeOverride(o, compactTheme{newRehabTheme()})
}

// reserveLines returns l in a box at least n caption lines of l's text size
// high, so a message that appears or wraps onto a second line does not
// make its dialog jump.
func reserveLines(l *widget.Label, n int) fyne.CanvasObject {
	probe := widget.NewLabel(strings.Repeat("Ag\n", n-1) + "Ag")
	probe.SizeName = l.SizeName
	probe.TextStyle = l.TextStyle
	space := canvas.NewRectangle(color.Transparent)
	space.SetMinSize(fyne.NewSize(0, probe.MinSize().Height))
	return container.NewStack(space, l)
}
