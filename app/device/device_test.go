package device

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"myorehab/acquisition"
	"myorehab/acquisition/sim"
	"myorehab/app/service"
	"myorehab/internal/waitfor"
)

// TestFilterDescriptionFollowsMains: with the automatic notch, a device
// whose signal carries 60 Hz interference starts at "notch 50" and its
// filter description (what a recording started now stores) moves to
// "notch 60" when the notch does.
func TestFilterDescriptionFollowsMains(t *testing.T) {
	open := func(service.DeviceConfig, func(acquisition.Event)) (acquisition.Source, error) {
		c := sim.DefaultConfig()
		c.MainsHz, c.MainsUV = 60, 200 // a 60 Hz clinic with poor electrode contact
		return sim.NewSource(sim.SourceConfig{Config: c})
	}
	d := NewDevice(slog.New(slog.DiscardHandler), open)
	d.Bind(context.Background())
	d.SetMains(MainsAuto)
	if err := d.Connect(service.DeviceConfig{Protocol: "sim"}); err != nil {
		t.Fatal(err)
	}
	defer d.Disconnect()
	if got := d.FilterDescription(); !strings.Contains(got, "notch 50") || !strings.Contains(got, "mains auto") {
		t.Errorf("at the start: %q, want the 50 Hz notch (mains auto)", got)
	}
	waitfor.Eventually(t, 0, "the notch at 60 Hz", func() bool {
		d.Snapshot() // a screen looking keeps the live view publishing
		return strings.Contains(d.FilterDescription(), "notch 60")
	})
	if got := d.FilterDescription(); !strings.Contains(got, "mains auto") {
		t.Errorf("after the switch: %q", got)
	}
}
