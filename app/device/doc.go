// Package device connects the amplifier (a serial protocol, the
// simulator or an EDF+ replay): it opens the source, runs one engine per
// connection with the live view and every attached consumer (recorder,
// decider, glove control), conditions the stream once with the notch at
// the clinic's mains, and reports the connection's state for the screens
// (service.DeviceService).
package device
