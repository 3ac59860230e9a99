package ui

import (
	"image/color"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// confusionCell is the size of one cell of a ConfusionGrid, in points.
const confusionCell = 44

// ConfusionGrid draws a confusion matrix as a small grid: one row per true
// gesture, one column per decided gesture (plus "rejected" when the matrix
// has an extra column), each cell shaded by the fraction of its row, the
// diagonal in green and mistakes in red. Touch it on the Fyne goroutine only.
type ConfusionGrid struct {
	widget.BaseWidget
	classes []string
	counts  [][]int
	box     *fyne.Container
}

// NewConfusionGrid returns an empty grid.
func NewConfusionGrid() *ConfusionGrid {
	g := &ConfusionGrid{box: container.NewVBox()}
	g.ExtendBaseWidget(g)
	g.Set(nil, nil)
	return g
}

// CreateRenderer implements fyne.Widget.
func (g *ConfusionGrid) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(g.box)
}

// Set shows counts[i][j], the windows of class i decided as class j, with
// class names classes; nil counts shows a placeholder.
func (g *ConfusionGrid) Set(classes []string, counts [][]int) {
	g.classes, g.counts = classes, counts
	g.box.RemoveAll()
	if len(counts) == 0 {
		g.box.Add(widget.NewLabel("No confusion matrix yet."))
		g.box.Refresh()
		return
	}
	cols := len(counts[0])
	head := func(s string) fyne.CanvasObject {
		t := canvas.NewText(s, theme.Color(theme.ColorNameForeground))
		t.TextStyle.Bold = true
		t.Alignment = fyne.TextAlignCenter
		t.TextSize = 11
		return t
	}
	intro := widget.NewLabel("Each row is the gesture the patient made; each column what the model decided. Green: right; red: mistaken.")
	intro.Wrapping = fyne.TextWrapWord
	rows := container.NewVBox(intro)
	rowHead := fyne.NewSize(150, confusionCell) // full gesture names on the rows
	name := func(s string) fyne.CanvasObject {
		t := canvas.NewText(s, theme.Color(theme.ColorNameForeground))
		t.TextStyle.Bold = true
		t.TextSize = 12
		return container.NewGridWrap(rowHead, container.NewVBox(layout.NewSpacer(), t, layout.NewSpacer()))
	}
	line := container.NewHBox(container.NewGridWrap(rowHead, head("")))
	for j := range cols {
		line.Add(container.NewGridWrap(fyne.NewSize(confusionCell, confusionCell), head(g.abbrev(j))))
	}
	rows.Add(line)
	for i, row := range counts {
		total := 0
		for _, n := range row {
			total += n
		}
		rowName := "not decided"
		if i < len(g.classes) {
			rowName = g.classes[i]
		}
		line := container.NewHBox(name(rowName))
		for j, n := range row {
			frac := 0.0
			if total > 0 {
				frac = float64(n) / float64(total)
			}
			bg := canvas.NewRectangle(cellColor(i == j, frac))
			t := canvas.NewText(strconv.Itoa(n), color.White)
			t.Alignment = fyne.TextAlignCenter
			t.TextSize = 12
			line.Add(container.NewGridWrap(fyne.NewSize(confusionCell, confusionCell), container.NewStack(bg, container.NewCenter(t))))
		}
		rows.Add(line)
	}
	var legend []string
	for j := range cols {
		full := "not decided (too unsure)"
		if j < len(g.classes) {
			full = g.classes[j]
		}
		legend = append(legend, g.abbrev(j)+" = "+full)
	}
	key := widget.NewLabel("Columns: " + strings.Join(legend, " · "))
	key.Wrapping = fyne.TextWrapWord
	key.SizeName = theme.SizeNameCaptionText
	rows.Add(key)
	g.box.Add(rows)
	g.box.Refresh()
	g.Refresh()
}

// Cell returns the count shown at row i, column j, and false outside the grid.
func (g *ConfusionGrid) Cell(i, j int) (int, bool) {
	if i < 0 || i >= len(g.counts) || j < 0 || j >= len(g.counts[i]) {
		return 0, false
	}
	return g.counts[i][j], true
}

// abbrev returns a short name of column or row c: the first letters of
// its class ("PG" for power grip), "rej" for the rejection column.
func (g *ConfusionGrid) abbrev(c int) string {
	if c >= len(g.classes) {
		return "rej"
	}
	return initials(g.classes[c])
}

// initials returns the upper-case initials of the words of s ("power
// grip" → "PG"), or the first three letters of a single word ("rest" →
// "Res").
func initials(s string) string {
	var out []rune
	words := 0
	start := true
	for _, r := range s {
		if r == ' ' || r == '-' || r == '_' {
			start = true
			continue
		}
		if start {
			out = append(out, toUpper(r))
			words++
			start = false
		}
	}
	if words == 1 {
		rs := []rune(s)
		if len(rs) > 3 {
			rs = rs[:3]
		}
		if len(rs) > 0 {
			rs[0] = toUpper(rs[0])
		}
		return string(rs)
	}
	return string(out)
}

func toUpper(r rune) rune {
	if r >= 'a' && r <= 'z' {
		return r - 'a' + 'A'
	}
	return r
}

// cellColor shades a cell: green for the diagonal, red for mistakes, the
// stronger the larger the fraction of the row.
func cellColor(diagonal bool, frac float64) color.Color {
	a := uint8(40 + 215*frac)
	if diagonal {
		return color.NRGBA{R: 0x2e, G: 0x9d, B: 0x4f, A: a}
	}
	if frac == 0 {
		return color.NRGBA{R: 0x80, G: 0x80, B: 0x80, A: 0x30}
	}
	return color.NRGBA{R: 0xd0, G: 0x3b, B: 0x3b, A: a}
}
