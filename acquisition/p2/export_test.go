package p2

import (
	"bytes"

	"myorehab/acquisition"
	"myorehab/acquisition/internal/link"
)

func newTestDriver(wire []byte) *link.Driver {
	info := acquisition.StreamInfo{Protocol: "p2", Channels: Channels, SampleRateHz: RateHz,
		Labels: make([]string, Channels), ScaleUV: []float64{1, 1, 1, 1, 1, 1}}
	return link.NewDriver(link.DriverConfig{Name: "p2", Port: &fakePort{bytes.NewReader(wire)}, Info: info,
		Decoder: &Decoder{}, Modulus: 256, Confirm: true, FirstIsZero: true})
}
