package serialport

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
	"time"

	"go.bug.st/serial"
)

// DefaultBaud is the baud rate Open uses when given 0: 115200, the rate of
// the OpenBCI dongle, BITalino and current Arduino sketches.
const DefaultBaud = 115200

// ReadTimeout is the read timeout Open sets: a Read with no data returns
// (0, nil) after this long, so a reader loop can check whether it should stop.
const ReadTimeout = 50 * time.Millisecond

// Kind classifies why a port could not be opened.
type Kind int

// Kinds of Error.
const (
	// Other is any failure not listed below; the Error's cause says more.
	Other Kind = iota
	// NotFound: no device exists at the path (unplugged, or a typo).
	NotFound
	// PermissionDenied: the user may not open the device (on Linux, not in
	// the dialout group).
	PermissionDenied
	// Busy: another program has the port open.
	Busy
	// NotSerial: the path exists but is not a serial port.
	NotSerial
	// Settings: the port refused the baud rate or framing.
	Settings
)

// Sentinel errors matched by an *Error of the corresponding Kind with errors.Is.
var (
	ErrNotFound   = errors.New("serial port does not exist")
	ErrPermission = errors.New("permission denied on serial port")
	ErrBusy       = errors.New("serial port is busy")
	ErrNotSerial  = errors.New("not a serial port")
)

// Error is a failure to open a serial port. Its message is meant for the
// person at the device; Err keeps the system's own error for logs.
type Error struct {
	// Path is the port path as given to Open.
	Path string
	// Kind says what went wrong.
	Kind Kind
	// Err is the underlying error (a go.bug.st/serial *PortError or a
	// syscall.Errno), possibly nil.
	Err error
}

// Error returns a sentence that names the port and suggests what to check.
func (e *Error) Error() string {
	var msg string
	switch e.Kind {
	case NotFound:
		msg = fmt.Sprintf("serial port %s does not exist (is the device plugged in, is the port name right?)", e.Path)
	case PermissionDenied:
		msg = fmt.Sprintf("permission denied on serial port %s (on Linux, add your user to the dialout group and log in again)", e.Path)
	case Busy:
		msg = fmt.Sprintf("serial port %s is busy (another program is using it; close it and retry)", e.Path)
	case NotSerial:
		msg = fmt.Sprintf("%s is not a serial port", e.Path)
	case Settings:
		msg = fmt.Sprintf("serial port %s refused the settings", e.Path)
	default:
		msg = fmt.Sprintf("cannot open serial port %s", e.Path)
	}
	if e.Err != nil && e.Kind != NotFound && e.Kind != PermissionDenied && e.Kind != Busy {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is the sentinel of e's Kind (ErrNotFound,
// ErrPermission, ErrBusy, ErrNotSerial), or fs.ErrNotExist / fs.ErrPermission
// for NotFound / PermissionDenied.
func (e *Error) Is(target error) bool {
	switch e.Kind {
	case NotFound:
		return target == ErrNotFound || target == fs.ErrNotExist
	case PermissionDenied:
		return target == ErrPermission || target == fs.ErrPermission
	case Busy:
		return target == ErrBusy
	case NotSerial:
		return target == ErrNotSerial
	}
	return false
}

// Open opens the serial port at path as 8 data bits, no parity, one stop
// bit at baud (DefaultBaud when 0), without flow control, and sets the read
// timeout to ReadTimeout. It leaves the DTR/RTS lines alone, so it works on
// pseudo-terminals. Failures are *Error values.
func Open(path string, baud int) (serial.Port, error) {
	if path == "" {
		return nil, &Error{Path: `""`, Kind: NotFound}
	}
	if baud == 0 {
		baud = DefaultBaud
	}
	if baud < 0 {
		return nil, &Error{Path: path, Kind: Settings, Err: fmt.Errorf("negative baud rate %d", baud)}
	}
	mode := &serial.Mode{BaudRate: baud, DataBits: 8, Parity: serial.NoParity, StopBits: serial.OneStopBit}
	p, err := serial.Open(path, mode)
	if err != nil {
		return nil, classify(path, err)
	}
	if err := p.SetReadTimeout(ReadTimeout); err != nil {
		p.Close()
		return nil, &Error{Path: path, Kind: Settings, Err: err}
	}
	return p, nil
}

// classify maps an error from serial.Open to an *Error.
func classify(path string, err error) error {
	e := &Error{Path: path, Kind: Other, Err: err}
	var pe *serial.PortError
	if errors.As(err, &pe) {
		switch pe.Code() {
		case serial.PortNotFound:
			e.Kind = NotFound
		case serial.PermissionDenied:
			e.Kind = PermissionDenied
		case serial.PortBusy:
			e.Kind = Busy
		case serial.InvalidSerialPort:
			e.Kind = NotSerial
		case serial.InvalidSpeed, serial.InvalidDataBits, serial.InvalidParity, serial.InvalidStopBits:
			e.Kind = Settings
		}
		if e.Kind == NotSerial {
			// A pty whose other end is gone, or a node that vanished while
			// opening, reports as "not a serial port"; say so plainly.
			if _, statErr := os.Stat(path); errors.Is(statErr, fs.ErrNotExist) {
				e.Kind = NotFound
			}
		}
		return e
	}
	switch {
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ENXIO), errors.Is(err, syscall.ENODEV):
		e.Kind = NotFound
	case errors.Is(err, fs.ErrPermission):
		e.Kind = PermissionDenied
	case errors.Is(err, syscall.EBUSY):
		e.Kind = Busy
	case errors.Is(err, syscall.ENOTTY):
		e.Kind = NotSerial
	}
	return e
}

// IsGone reports whether err, from a Read or Write on an open port, means
// the device has gone away: end of file, EIO, ENXIO, ENODEV, or the port
// reported closed (which go.bug.st/serial also returns when the device
// hangs up). A caller that closed the port itself knows that from its own
// state and should check that first.
func IsGone(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, os.ErrClosed) ||
		errors.Is(err, syscall.EIO) || errors.Is(err, syscall.ENXIO) || errors.Is(err, syscall.ENODEV) ||
		errors.Is(err, syscall.EBADF) {
		return true
	}
	var pe *serial.PortError
	if errors.As(err, &pe) {
		return pe.Code() == serial.PortClosed
	}
	var pv serial.PortError
	if errors.As(err, &pv) {
		return pv.Code() == serial.PortClosed
	}
	return false
}

// IsBenign reports whether err from a modem-line call (SetDTR, SetRTS,
// GetModemStatusBits) only means the port has no modem lines, as on a
// pseudo-terminal ("inappropriate ioctl for device"), so it can be ignored.
func IsBenign(err error) bool {
	return errors.Is(err, syscall.ENOTTY) || errors.Is(err, syscall.EINVAL)
}
