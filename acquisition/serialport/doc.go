// Package serialport opens serial ports for the amplifier drivers and their
// emulators, on top of go.bug.st/serial.
//
// Open configures a port as 8-N-1 at the given baud rate with a short read
// timeout (ReadTimeout), so a Read returns (0, nil) at least every
// ReadTimeout and a reader can notice it should stop; Close on the port
// unblocks a pending Read as well. Open never touches the DTR/RTS modem
// lines, so pseudo-terminals (socat, emulators) work like real ports, and a
// typed-in path is always tried, whether or not List shows it.
//
// Errors are typed for the people who see them: an *Error carries the port
// path and a Kind (NotFound, PermissionDenied, Busy, NotSerial, Settings),
// prints a sentence a clinician can act on, and matches ErrNotFound,
// ErrPermission, ErrBusy and ErrNotSerial with errors.Is. IsGone recognises
// the errors a read or write returns once the device has been unplugged.
package serialport
