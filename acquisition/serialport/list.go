package serialport

import (
	"fmt"
	"sort"

	"go.bug.st/serial/enumerator"
)

// PortInfo describes a serial port the operating system lists.
type PortInfo struct {
	// Path is the port to pass to Open, e.g. "/dev/ttyUSB0" or "COM3".
	Path string
	// IsUSB is true for USB serial adapters.
	IsUSB bool
	// VID and PID are the USB vendor and product IDs in lower-case hex
	// ("0403", "6015"), empty when not USB.
	VID, PID string
	// SerialNumber, Manufacturer and Product are the USB strings, when known.
	SerialNumber, Manufacturer, Product string
}

// String returns the path followed by the product and USB IDs when known,
// e.g. "/dev/ttyUSB0 (FT231X USB UART, 0403:6015)".
func (p PortInfo) String() string {
	switch {
	case p.Product != "" && p.VID != "":
		return fmt.Sprintf("%s (%s, %s:%s)", p.Path, p.Product, p.VID, p.PID)
	case p.VID != "":
		return fmt.Sprintf("%s (%s:%s)", p.Path, p.VID, p.PID)
	case p.Product != "":
		return fmt.Sprintf("%s (%s)", p.Path, p.Product)
	}
	return p.Path
}

// List returns the serial ports the operating system reports, sorted by
// path. Pseudo-terminals and some Bluetooth ports are never listed: a path
// the user types in must still be passed to Open.
func List() ([]PortInfo, error) {
	ds, err := enumerator.GetDetailedPortsList()
	if err != nil {
		return nil, fmt.Errorf("list serial ports: %w", err)
	}
	ports := make([]PortInfo, 0, len(ds))
	for _, d := range ds {
		ports = append(ports, PortInfo{
			Path:         d.Name,
			IsUSB:        d.IsUSB,
			VID:          d.VID,
			PID:          d.PID,
			SerialNumber: d.SerialNumber,
			Manufacturer: d.Manufacturer,
			Product:      d.Product,
		})
	}
	sort.Slice(ports, func(i, j int) bool { return ports[i].Path < ports[j].Path })
	return ports, nil
}
