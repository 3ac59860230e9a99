// Package processing holds MyoRehab's numerics. It does no I/O and starts no
// goroutines; its subpackages (filter, spectrum, pipeline, …) turn
// acquisition.Blocks into filtered signals, features and decisions.
package processing
