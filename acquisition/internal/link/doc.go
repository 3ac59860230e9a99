// Package link holds the parts shared by the serial amplifier drivers and
// emulators of MyoRehab (cyton, cyton-daisy, bitalino, p2, ascii): Driver
// turns decoded frames with a wrapping counter into an acquisition.Source
// with gaps for lost samples, and Run plays a device's side of the link,
// paced against the wall clock, for tests and `myorehab emulate`.
//
// It is internal to acquisition: the protocol packages wrap it in their
// own types and document their own behaviour.
package link
