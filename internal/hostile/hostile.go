// Package hostile is the tests' one table of hostile text: strings that
// break SQL built by concatenation, LIKE patterns, byte-oriented text
// handling, terminals, bidirectional display and layouts. Every text field
// the UI and the command line accept is tested with it.
package hostile

import "strings"

// Big is the length of the longest strings, in bytes (100 kB).
const Big = 100_000

// Strings returns the hostile strings (a fresh slice each call).
func Strings() []string {
	return []string{
		`O'Brien`,
		`"double" quotes`,
		"`backticks`",
		`'; DROP TABLE patients; --`,
		`Robert'); DROP TABLE audit_log;--`,
		`" OR 1=1 --`,
		`100%`,
		`%`,
		`_`,
		`\`,
		`\%`,
		`?1 :name @p $v`,
		`<script>alert(1)</script>`,
		`=HYPERLINK("http://x","y")`,
		`+cmd|' /C calc'!A0`,
		"tab\tnewline\ncr\r",
		"nul\x00inside",
		"bell\a escape\x1b[31mred\x1b[0m del\x7f",
		"\u200fright-to-left mark",
		"left\u200e-to-right mark",
		"override \u202eexe.txt",
		"isolate \u2067עברית\u2069 end",
		"مريض عربي",
		"zero\u200bwidth\u200djoiner",
		"e\u0301\u0301\u0301 combining",
		"invalid \xff\xfe utf-8",
		`Zoë Ünal`,
		`患者 テスト`,
		`🙂👩‍⚕️ emoji`,
		strings.Repeat("W", Big),
		strings.Repeat("long words ", Big/11),
		// Many lines: a multi-line field (diagnosis) holds them. (Fyne's
		// entry takes seconds for tens of thousands of lines.)
		strings.Repeat("\u202e\n", 1000),
	}
}

// Printable returns Strings without NUL bytes (which no command-line
// argument can carry).
func Printable() []string {
	var out []string
	for _, s := range Strings() {
		if !strings.Contains(s, "\x00") {
			out = append(out, s)
		}
	}
	return out
}

// Name returns a short printable label of s for test names and messages.
func Name(s string) string {
	r := []rune(s)
	if len(r) > 24 {
		return string(r[:24]) + "…"
	}
	return s
}
