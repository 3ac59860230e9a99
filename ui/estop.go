package ui

import (
	"errors"
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// EStopKey is the keyboard shortcut of the E-STOP: Escape, the key a hand
// finds without looking. It is registered on the window's canvas, so it
// works over every dialog too, but, as for every Fyne shortcut, not while
// a text field holds the keyboard focus (the field takes the key). The
// glove panel therefore takes the focus away from text fields when the
// glove becomes armed.
const EStopKey = fyne.KeyEscape

// Colours of the E-STOP button: safety red on a yellow ring, the same in
// light and dark themes (white on this red is 6.5:1).
var (
	estopRed      = color.NRGBA{R: 0xc4, G: 0x00, B: 0x1d, A: 0xff}
	estopRedHover = color.NRGBA{R: 0x96, G: 0x00, B: 0x16, A: 0xff}
	estopRing     = color.NRGBA{R: 0xff, G: 0xcc, B: 0x00, A: 0xff}
	estopText     = color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: 0xff}
)

// EStopButton is the big red emergency-stop button. Tapping it calls
// OnTapped at once, on the Fyne goroutine (GloveService.EStop never blocks).
type EStopButton struct {
	widget.BaseWidget
	OnTapped func()

	hovered bool
}

// NewEStopButton returns an E-STOP button calling tapped.
func NewEStopButton(tapped func()) *EStopButton {
	b := &EStopButton{OnTapped: tapped}
	b.ExtendBaseWidget(b)
	return b
}

// Tapped calls OnTapped.
func (b *EStopButton) Tapped(*fyne.PointEvent) {
	if b.OnTapped != nil {
		b.OnTapped()
	}
}

// Cursor is the pointing hand.
func (b *EStopButton) Cursor() desktop.Cursor { return desktop.PointerCursor }

// MouseIn darkens the button.
func (b *EStopButton) MouseIn(*desktop.MouseEvent) { b.hovered = true; b.Refresh() }

// MouseMoved does nothing.
func (b *EStopButton) MouseMoved(*desktop.MouseEvent) {}

// MouseOut restores the colour.
func (b *EStopButton) MouseOut() { b.hovered = false; b.Refresh() }

// CreateRenderer draws a rounded red plate with a yellow ring, "E-STOP"
// in large bold white letters and the key under it.
func (b *EStopButton) CreateRenderer() fyne.WidgetRenderer {
	bg := canvas.NewRectangle(estopRed)
	bg.StrokeColor = estopRing
	bg.StrokeWidth = 3
	bg.CornerRadius = 8
	label := canvas.NewText("E-STOP", estopText)
	label.TextStyle.Bold = true
	label.TextSize = 24
	label.Alignment = fyne.TextAlignCenter
	key := canvas.NewText("key: Esc", estopText)
	key.TextSize = 13
	key.Alignment = fyne.TextAlignCenter
	return &estopRenderer{b: b, bg: bg, label: label, key: key}
}

type estopRenderer struct {
	b          *EStopButton
	bg         *canvas.Rectangle
	label, key *canvas.Text
}

func (r *estopRenderer) Layout(s fyne.Size) {
	r.bg.Resize(s)
	lh, kh := r.label.MinSize().Height, r.key.MinSize().Height
	top := (s.Height - lh - kh) / 2
	r.label.Move(fyne.NewPos(0, top))
	r.label.Resize(fyne.NewSize(s.Width, lh))
	r.key.Move(fyne.NewPos(0, top+lh))
	r.key.Resize(fyne.NewSize(s.Width, kh))
}

func (r *estopRenderer) MinSize() fyne.Size {
	l, k := r.label.MinSize(), r.key.MinSize()
	return fyne.NewSize(max(l.Width+32, 150), max(l.Height+k.Height+8, 64))
}

func (r *estopRenderer) Refresh() {
	if r.b.hovered {
		r.bg.FillColor = estopRedHover
	} else {
		r.bg.FillColor = estopRed
	}
	r.bg.Refresh()
}

func (r *estopRenderer) Objects() []fyne.CanvasObject {
	return []fyne.CanvasObject{r.bg, r.label, r.key}
}

func (r *estopRenderer) Destroy() {}

// estop sends the emergency stop, directly (it never blocks), and logs it.
// It does nothing without a glove.
func (s *shared) estop() {
	if s.glove == nil {
		return
	}
	s.glove.EStop()
	s.log.Warn("E-STOP pressed")
}

// newEStopButton returns an E-STOP button for the glove; nil without one.
func (s *shared) newEStopButton() *EStopButton {
	if s.glove == nil {
		return nil
	}
	return NewEStopButton(s.estop)
}

// withEStop returns content with an E-STOP button in a column on its
// right, or content itself without a glove. Every dialog that covers the
// window is built through it (newDialog, confirm, showError), so the
// E-STOP is within reach whatever is open.
func (s *shared) withEStop(content fyne.CanvasObject) fyne.CanvasObject {
	b := s.newEStopButton()
	if b == nil {
		return content
	}
	return container.NewBorder(nil, nil, nil,
		container.NewHBox(widget.NewSeparator(), container.NewVBox(b)), content)
}

// newDialog is dialog.NewCustomWithoutButtons on the screen's window with
// the E-STOP beside content (withEStop).
func (s *shared) newDialog(title string, content fyne.CanvasObject) *dialog.CustomDialog {
	return dialog.NewCustomWithoutButtons(title, s.withEStop(content), s.win)
}

// estopWidth is the width withEStop adds to a dialog (0 without a glove),
// so dialogs sized for their content can grow by it.
func (s *shared) estopWidth() float32 {
	if s.glove == nil {
		return 0
	}
	return 150 + 3*theme.Padding() + 2
}

// confirm shows a confirmation dialog (with the E-STOP): message, then
// Cancel and a button named ok; either closes it and calls done with
// whether ok was tapped. The dialog is returned so that tests can find it.
func (s *shared) confirm(title, message, ok string, imp widget.Importance, done func(ok bool)) *dialog.CustomDialog {
	text := widget.NewLabel(message)
	text.Wrapping = fyne.TextWrapWord
	var d *dialog.CustomDialog
	okB := widget.NewButtonWithIcon(ok, theme.ConfirmIcon(), func() {
		d.Hide()
		done(true)
	})
	okB.Importance = imp
	cancel := widget.NewButtonWithIcon("Cancel", theme.CancelIcon(), func() {
		d.Hide()
		done(false)
	})
	content := container.NewBorder(nil, container.NewHBox(layout.NewSpacer(), cancel, okB), nil, nil, text)
	d = s.newDialog(title, content)
	d.Resize(fyne.NewSize(560+s.estopWidth(), 0))
	d.Show()
	return d
}

// showError logs err and shows msg in a dialog (with the E-STOP).
func (s *shared) showError(title, msg string, err error) {
	s.log.Error(title, "err", err)
	if s.glove == nil {
		dialog.NewError(errors.New(msg), s.win).Show()
		return
	}
	text := widget.NewLabel(msg)
	text.Wrapping = fyne.TextWrapWord
	var d *dialog.CustomDialog
	ok := widget.NewButton("OK", func() { d.Hide() })
	ok.Importance = widget.HighImportance
	content := container.NewBorder(nil, container.NewHBox(layout.NewSpacer(), ok), widget.NewIcon(theme.ErrorIcon()), nil, text)
	d = s.newDialog("Error", content)
	d.Resize(fyne.NewSize(520+s.estopWidth(), 0))
	d.Show()
}
