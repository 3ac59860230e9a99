package ui

import (
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Interrupted describes a session a crash interrupted, for the notice at
// the next start (MainScreen.ShowInterrupted).
type Interrupted struct {
	SessionID int64
	Patient   string        // clinic code; "" when unknown
	Started   time.Time     // zero when unknown
	Kept      time.Duration // how much of it was saved
}

// Notice is a dismissable banner above the panels: something the
// therapist should know once (a session a crash interrupted).
type Notice struct {
	Text    *widget.Label
	Dismiss *widget.Button
	box     *fyne.Container
}

func newNotice(parent func() fyne.CanvasObject) *Notice {
	n := &Notice{Text: widget.NewLabel("")}
	n.Text.Wrapping = fyne.TextWrapWord
	n.Text.Importance = widget.WarningImportance
	n.Dismiss = widget.NewButtonWithIcon("OK", theme.ConfirmIcon(), func() {
		setVisible(n.box, false, parent())
	})
	n.box = container.NewBorder(nil, nil, widget.NewIcon(theme.WarningIcon()), n.Dismiss, n.Text)
	n.box.Hide()
	return n
}

// Shown reports whether the banner is on screen.
func (n *Notice) Shown() bool { return n.box.Visible() }

// interruptedText is the notice about sessions a crash interrupted.
func interruptedText(list []Interrupted) string {
	var b strings.Builder
	if len(list) == 1 {
		b.WriteString("MyoRehab was not closed properly last time. A recording was interrupted: ")
	} else {
		fmt.Fprintf(&b, "MyoRehab was not closed properly last time. %d recordings were interrupted: ", len(list))
	}
	for i, it := range list {
		if i > 0 {
			b.WriteString("; ")
		}
		if i == 3 && len(list) > 4 {
			fmt.Fprintf(&b, "and %d more", len(list)-3)
			break
		}
		who := it.Patient
		if who == "" {
			who = fmt.Sprintf("session %d", it.SessionID)
		}
		b.WriteString(who)
		if !it.Started.IsZero() {
			b.WriteString(", started " + it.Started.Local().Format("2 Jan 15:04"))
		}
		b.WriteString(", " + formatDuration(it.Kept) + " kept")
	}
	b.WriteString(". What was recorded up to the crash is saved; the session is marked \"Interrupted\" in the history.")
	return b.String()
}
