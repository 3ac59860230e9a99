package probe

import (
	"strings"

	"myorehab/acquisition/serialport"
)

// Protocol names, as on the command line (myorehab emulate/record --protocol).
const (
	Cyton      = "cyton"
	CytonDaisy = "cyton-daisy"
	BITalino   = "bitalino"
	ASCII      = "ascii"
	P2         = "p2"
)

// Protocols lists the protocols Probe knows, in the order it tries them.
func Protocols() []string { return []string{P2, ASCII, BITalino, Cyton} }

// Adapter is a recognised USB serial adapter.
type Adapter struct {
	// Name describes the adapter for the user, e.g.
	// "FTDI FT231X (OpenBCI dongle likely)".
	Name string
	// Protocols are the protocols usually found behind it, most likely
	// first.
	Protocols []string
}

// Recognise returns the adapter behind a listed port, if its USB IDs are
// known. It does not open the port. Sources: the vendors' USB ID lists
// (linux-usb.org usb.ids); the OpenBCI dongle is an FTDI FT231X
// (0403:6015).
func Recognise(p serialport.PortInfo) (Adapter, bool) {
	vid, pid := strings.ToLower(p.VID), strings.ToLower(p.PID)
	switch vid + ":" + pid {
	case "0403:6015":
		return Adapter{"FTDI FT231X (OpenBCI dongle likely)", []string{Cyton, CytonDaisy}}, true
	case "0403:6001":
		return Adapter{"FTDI FT232R", []string{P2, ASCII, BITalino}}, true
	case "1a86:7523":
		return Adapter{"CH340 (Arduino-compatible board likely)", []string{ASCII, P2}}, true
	case "10c4:ea60":
		return Adapter{"Silicon Labs CP210x (Arduino-style or BITalino board likely)", []string{BITalino, ASCII}}, true
	}
	switch vid {
	case "2341", "2a03":
		return Adapter{"Arduino", []string{ASCII, P2}}, true
	case "0403":
		return Adapter{"FTDI", []string{Cyton, ASCII, P2}}, true
	}
	return Adapter{}, false
}

// Port is a serial port with the adapter recognised behind it.
type Port struct {
	serialport.PortInfo
	// Adapter is the recognised adapter; Known is false when the USB IDs
	// are not in the table (or the port is not USB).
	Adapter Adapter
	Known   bool
}

// List returns the serial ports the operating system reports, sorted by
// path, each with its adapter when recognised. Pseudo-terminals are not
// listed: a path the user types in is still probed and opened.
func List() ([]Port, error) {
	ps, err := serialport.List()
	if err != nil {
		return nil, err
	}
	return describe(ps), nil
}

func describe(ps []serialport.PortInfo) []Port {
	out := make([]Port, len(ps))
	for i, p := range ps {
		a, ok := Recognise(p)
		out[i] = Port{PortInfo: p, Adapter: a, Known: ok}
	}
	return out
}
