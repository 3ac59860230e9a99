// Package assets holds the files MyoRehab ships inside its binary (the app
// icon), embedded with go:embed. It imports nothing else of the project.
package assets

import _ "embed"

// IconPNG is the application icon, 256×256 PNG.
//
//go:embed icon.png
var IconPNG []byte

// IconSVG is the application icon as scalable vector graphics.
//
//go:embed icon.svg
var IconSVG []byte
