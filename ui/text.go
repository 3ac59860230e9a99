package ui

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits of text shown from the records: a field may hold anything (100 kB,
// control characters, right-to-left marks); what is shown is one line of at
// most this many characters, so no value can stretch or break a layout.
const (
	maxShownName   = 80
	maxShownDetail = 160
	// maxShownMessage bounds an error message, which may quote what the
	// user typed (a file name).
	maxShownMessage = 300
)

// shown returns s as display text: control characters (newlines, tabs,
// escapes) become spaces, bidirectional embedding, override and isolate
// controls (U+202A–U+202E, U+2066–U+2069), which would reorder the text
// around them, are dropped (the marks U+200E/U+200F stay), invalid UTF-8
// becomes U+FFFD, runs of spaces shrink to one, and text longer than max
// characters is cut with "…". The stored value is never changed.
func shown(s string, max int) string {
	var b strings.Builder
	b.Grow(min(len(s), 4*max+3))
	n := 0
	space := false
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069:
			continue
		case unicode.IsControl(r) || unicode.IsSpace(r):
			if space || n == 0 {
				continue
			}
			space = true
			r = ' '
		default:
			space = false
		}
		if n == max {
			return strings.TrimRight(b.String(), " ") + "…"
		}
		b.WriteRune(r)
		n++
	}
	return strings.TrimRight(b.String(), " ")
}
