package probe

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// minPackets is how many consecutive packets (or lines) passive listening
// must see before it names a protocol: one could be chance.
const minPackets = 3

// p2Size is the size of an OpenEEG P2 packet: A5 5A, version 2, counter,
// 6 × 2 bytes, switches.
const p2Size = 17

// detectP2 reports whether b holds minPackets consecutive P2 packets.
func detectP2(b []byte) (bool, string) {
	for i := 0; i+minPackets*p2Size <= len(b); i++ {
		ok := true
		for k := range minPackets {
			j := i + k*p2Size
			if b[j] != 0xA5 || b[j+1] != 0x5A || b[j+2] != 2 {
				ok = false
				break
			}
		}
		if ok {
			return true, fmt.Sprintf("OpenEEG P2 packets (sync A5 5A, version 2, counter %d, %d, %d)",
				b[i+3], b[i+3+p2Size], b[i+3+2*p2Size])
		}
	}
	return false, ""
}

// cytonSize is the size of a Cyton packet: A0, counter, 24 bytes of EEG,
// 6 aux bytes, footer Cx.
const cytonSize = 33

// detectCytonStream reports whether b holds minPackets consecutive Cyton
// packets (a board that is already streaming).
func detectCytonStream(b []byte) (bool, string) {
	for i := 0; i+minPackets*cytonSize <= len(b); i++ {
		ok := true
		for k := range minPackets {
			j := i + k*cytonSize
			if b[j] != 0xA0 || b[j+cytonSize-1]&0xF0 != 0xC0 {
				ok = false
				break
			}
		}
		if ok {
			return true, "OpenBCI Cyton packets (A0 … Cx): the board is already streaming"
		}
	}
	return false, ""
}

// maxEvidence is the longest quoted text in evidence.
const maxEvidence = 40

// detectASCII reports whether b holds minPackets complete lines of
// numbers with the same number of fields (commas, spaces or tabs between
// them, optional "label:" prefixes), or EMG-ASCII metadata lines ("# …").
// Lines that do not parse (a boot banner) are allowed around them.
func detectASCII(b []byte) (bool, string) {
	lines := bytes.Split(b, []byte{'\n'})
	if len(lines) < 2 {
		return false, ""
	}
	lines = lines[:len(lines)-1] // the last one is incomplete
	if b[0] != '\n' && len(lines) > 0 {
		lines = lines[1:] // the first may have started before we listened
	}
	run, fields, meta := 0, 0, ""
	example := ""
	for _, l := range lines {
		s := strings.TrimRight(string(l), "\r")
		if strings.HasPrefix(s, "#") && printable(s) {
			meta = s
			continue
		}
		n := numericFields(s)
		switch {
		case n == 0:
			run = 0
		case n == fields:
			run++
		default:
			run, fields, example = 1, n, s
		}
		if run >= minPackets {
			e := fmt.Sprintf("text lines of %d number(s), e.g. %q", fields, clip(example))
			if meta != "" {
				e += fmt.Sprintf(" after %q", clip(meta))
			}
			return true, e
		}
	}
	return false, ""
}

// numericFields returns the number of numeric fields in s, or 0 if any
// field is not a number.
func numericFields(s string) int {
	f := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })
	for _, v := range f {
		if i := strings.LastIndexByte(v, ':'); i >= 0 {
			v = v[i+1:]
		}
		if _, err := strconv.ParseFloat(v, 64); err != nil {
			return 0
		}
	}
	return len(f)
}

// bitalinoVersion returns the version string in a reply to 0x07
// ("BITalino_v5.1" …), which the API reads up to '\n' after discarding
// anything before "BITalino".
func bitalinoVersion(b []byte) (string, bool) {
	i := bytes.Index(b, []byte("BITalino"))
	if i < 0 {
		return "", false
	}
	rest := b[i:]
	j := bytes.IndexByte(rest, '\n')
	if j < 0 {
		return "", false
	}
	return strings.TrimRight(string(rest[:j]), "\r"), true
}

// cytonBanner interprets a reply to `v`: ok when it ends a message with
// "$$$"; boardOff when the dongle answered "Failure" (dongle present, board
// off); line is the most telling line (firmware, or the failure).
func cytonBanner(b []byte) (line string, ok, boardOff bool) {
	i := bytes.Index(b, []byte("$$$"))
	if i < 0 {
		return "", false, false
	}
	text := string(b[:i])
	if strings.Contains(text, "Failure") {
		return firstLine(text[strings.Index(text, "Failure"):]), true, true
	}
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, "Firmware") || strings.Contains(l, "OpenBCI") {
			line = clip(strings.TrimSpace(l))
		}
	}
	if line == "" {
		line = firstLine(text)
	}
	return line, true, false
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return clip(strings.TrimSpace(s))
}

// clip shortens s to maxEvidence characters and replaces what is not
// printable ASCII.
func clip(s string) string {
	var sb strings.Builder
	for i, r := range s {
		if i >= maxEvidence {
			sb.WriteString("…")
			break
		}
		if r < 32 || r > 126 {
			r = '?'
		}
		sb.WriteRune(r)
	}
	return sb.String()
}

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 32 || c > 126) && c != '\t' {
			return false
		}
	}
	return true
}
