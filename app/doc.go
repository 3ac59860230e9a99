// Package app wires MyoRehab together: it builds sources, the live
// pipeline, the store and the user interface from settings, owns every
// goroutine and context, shuts them down in order (stop the reader, flush
// the writer, close the database), and implements the command-line
// subcommands of ../shared/CLI.md.
package app
