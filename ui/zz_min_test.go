package ui

import (
	"fmt"
	"testing"

	"fyne.io/fyne/v2"
)

func TestZZMin(t *testing.T) {
	h := newHarnessWith(t, func(h *harness, d *Deps) { d.Backup = &fakeBackup{}; d.History = &fakeHistory{}; d.Review = &fakeReview{}; d.Transfer = &fakeTransfer{}; d.Calibration = newFakeCalibration() })
	h.connectSim()
	h.selectPatient(1)
	h.m.Refresh()
	var walk func(o fyne.CanvasObject, depth int)
	walk = func(o fyne.CanvasObject, depth int) {
		if depth > 5 {
			return
		}
		ms := o.MinSize()
		if ms.Height > 60 {
			fmt.Printf("%*s%T %v\n", depth*2, "", o, ms)
		}
		if c, ok := o.(*fyne.Container); ok {
			for _, ch := range c.Objects {
				walk(ch, depth+1)
			}
		}
	}
	walk(h.m.Content(), 0)
	fmt.Println("patients", h.m.Patients.content.MinSize(), "device", h.m.Device.content.MinSize(), "live", h.m.Live.content.MinSize())
}
