// Package replay plays a recording held in memory as a live
// acquisition.Source: at the recording's own pace (1×), N times faster, or
// as fast as the reader asks (unpaced), optionally looping, with the
// recording's annotations handed out as the samples they mark are
// delivered. A therapist can review a session as if it were live, and a
// developer can test the whole chain without hardware.
//
// The package does no file I/O (acquisition must not import storage): the
// app reads an EDF+/BDF+ file with storage/edf and passes the planar raw
// counts, scales, labels and annotations in a Recording.
package replay
