package ui

import (
	"math"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"myorehab/app/service"
	"myorehab/storage"
)

// historyColumns are the headers of the session history table, and
// historyWeights their shares of its width (fitColumns): every column,
// Mean RMS and MDF included, is visible without scrolling sideways.
var (
	historyColumns = [...]string{"Date", "Session", "Length", "RMS µV", "MDF Hz"}
	historyWeights = [len(historyColumns)]float32{0.27, 0.23, 0.16, 0.17, 0.17}
)

// historyCells returns the history table cells of s, in historyColumns
// order; unknown metrics show "–"; a session a crash or a lost device
// interrupted reads "Interrupted". The session in progress reads
// "● Recording" with no length yet (never "0:00").
func historyCells(s service.SessionSummary) [len(historyColumns)]string {
	date := ""
	if !s.Session.StartedAt.IsZero() {
		date = s.Session.StartedAt.Local().Format("2006-01-02 15:04")
	}
	kind := string(s.Session.Type)
	if kind != "" {
		kind = strings.ToUpper(kind[:1]) + kind[1:]
	}
	length := formatDuration(s.Session.Duration())
	switch s.Session.Status {
	case storage.StatusRecording:
		kind, length = "● Recording", "…"
	case storage.StatusInterrupted:
		kind = "Interrupted" // the status matters more than the type here
	}
	return [...]string{date, kind, length, formatOneDecimal(s.MeanRMSUV), formatOneDecimal(s.MeanMDFHz)}
}

// formatOneDecimal formats v with one decimal, "–" when v is NaN or infinite.
func formatOneDecimal(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "–"
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

// newHistoryTable returns the session history table: a header row and
// one row per session, cells from cell(row) in the caption size so a row
// fits a narrow panel; texts too long for their column end in "…".
func newHistoryTable(rows func() int, cell func(row int) [len(historyColumns)]string) *widget.Table {
	t := widget.NewTableWithHeaders(
		func() (int, int) { return rows(), len(historyColumns) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("2006-01-02 15:04")
			l.SizeName = theme.SizeNameCaptionText
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(id widget.TableCellID, o fyne.CanvasObject) {
			o.(*widget.Label).SetText(cell(id.Row)[id.Col])
		},
	)
	t.ShowHeaderColumn = false
	t.CreateHeader = func() fyne.CanvasObject {
		l := widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		l.SizeName = theme.SizeNameCaptionText
		l.Truncation = fyne.TextTruncateEllipsis
		return l
	}
	t.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		if id.Col >= 0 {
			o.(*widget.Label).SetText(historyColumns[id.Col])
		}
	}
	return t
}

// fitColumns lays out one table to fill its space and shares the width
// among its columns by weight, so the table never scrolls sideways.
type fitColumns struct {
	table   *widget.Table
	weights []float32
	width   float32   // the width the columns were last fitted to
	widths  []float32 // the column widths set then
}

func (f *fitColumns) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	if size.Width != f.width {
		f.width = size.Width
		inner := size.Width - theme.ScrollBarSize() - 2*theme.Padding()
		f.widths = f.widths[:0]
		for i, w := range f.weights {
			cw := max(40, inner*w)
			f.widths = append(f.widths, cw)
			f.table.SetColumnWidth(i, cw)
		}
	}
	for _, o := range objs {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}

func (f *fitColumns) MinSize(objs []fyne.CanvasObject) fyne.Size {
	// a header and two rows; any width (the columns follow it)
	h := float32(0)
	for _, o := range objs {
		h = max(h, o.MinSize().Height)
	}
	return fyne.NewSize(200, max(h, 3*(theme.CaptionTextSize()+2*theme.InnerPadding())))
}
