package probe

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"myorehab/acquisition/cyton"
	"myorehab/acquisition/serialport"
)

func TestRecognise(t *testing.T) {
	t.Parallel()
	for _, test := range []struct {
		vid, pid string
		known    bool
		name     string
		first    string
	}{
		{"0403", "6015", true, "FTDI FT231X (OpenBCI dongle likely)", Cyton},
		{"0403", "6015", true, "FTDI FT231X (OpenBCI dongle likely)", Cyton},
		{"0403", "6001", true, "FTDI FT232R", P2},
		{"0403", "6010", true, "FTDI", Cyton},
		{"1A86", "7523", true, "CH340 (Arduino-compatible board likely)", ASCII},
		{"10c4", "ea60", true, "Silicon Labs CP210x (Arduino-style or BITalino board likely)", BITalino},
		{"2341", "0043", true, "Arduino", ASCII},
		{"2a03", "0043", true, "Arduino", ASCII},
		{"1234", "5678", false, "", ""},
		{"", "", false, "", ""},
	} {
		a, ok := Recognise(serialport.PortInfo{Path: "/dev/ttyUSB0", IsUSB: test.vid != "", VID: test.vid, PID: test.pid})
		if ok != test.known || a.Name != test.name || (ok && a.Protocols[0] != test.first) {
			t.Errorf("%s:%s: %+v, %v", test.vid, test.pid, a, ok)
		}
	}
	ps := describe([]serialport.PortInfo{{Path: "/dev/ttyS0"}, {Path: "/dev/ttyUSB0", IsUSB: true, VID: "0403", PID: "6015"}})
	if len(ps) != 2 || ps[0].Known || !ps[1].Known || ps[1].Path != "/dev/ttyUSB0" || !slices.Contains(ps[1].Adapter.Protocols, CytonDaisy) {
		t.Errorf("describe: %+v", ps)
	}
}

func p2Packets(n int) []byte {
	var b []byte
	for i := range n {
		pk := make([]byte, p2Size)
		pk[0], pk[1], pk[2], pk[3] = 0xA5, 0x5A, 2, byte(i)
		b = append(b, pk...)
	}
	return b
}

func cytonPackets(n int) []byte {
	var b []byte
	for i := range n {
		pk := make([]byte, cytonSize)
		pk[0], pk[1], pk[32] = 0xA0, byte(i), 0xC0
		b = append(b, pk...)
	}
	return b
}

var detectCases = []struct {
	name               string
	in                 []byte
	p2, cyton, ascii   bool
	bitalino, banner   string
	bannerOK, boardOff bool
}{
	{name: "empty"},
	{name: "p2", in: p2Packets(3), p2: true},
	{name: "p2 mid-packet", in: append([]byte{1, 2, 0x5A}, p2Packets(4)...), p2: true},
	{name: "p2 too few", in: p2Packets(2)},
	{name: "p2 wrong version", in: bytes.ReplaceAll(p2Packets(3), []byte{0xA5, 0x5A, 2}, []byte{0xA5, 0x5A, 3})},
	{name: "cyton", in: cytonPackets(3), cyton: true},
	{name: "cyton bad footer", in: bytes.ReplaceAll(cytonPackets(3), []byte{0xC0}, []byte{0xB0})},
	{name: "ascii", in: []byte("98\r\nBanner text\r\n512,498\r\n510,497\r\n511,499\r\n51"), ascii: true},
	{name: "ascii labels", in: []byte("\na:1 b:2\na:3 b:4\na:5 b:6\n"), ascii: true},
	{name: "ascii v1", in: []byte("\n# rate=1000 units=adc\n1,2,3\n2,2,3\n3,2,3\n"), ascii: true},
	{name: "ascii changing fields", in: []byte("\n1,2\n1,2,3\n1,2\n1\n")},
	{name: "ascii partial first line only", in: []byte("1,2\n")},
	{name: "bitalino", in: []byte("\xff\x00BITalino_v5.1\r\n"), bitalino: "BITalino_v5.1"},
	{name: "bitalino no newline", in: []byte("BITalino_v5.1")},
	{name: "cyton banner", in: []byte(cyton.Banner), banner: "Firmware: v3.1.2", bannerOK: true},
	{name: "board off", in: []byte("Failure: Communications timeout$$$"), banner: "Failure: Communications timeout", bannerOK: true, boardOff: true},
	{name: "dollars only", in: []byte("$$$"), bannerOK: true},
	// Cases found by fuzzing:
	{name: "banner with a non-ASCII byte", in: []byte("OpenBCI\x9f$$$"), banner: "OpenBCI?", bannerOK: true},
}

func TestDetect(t *testing.T) {
	t.Parallel()
	for _, test := range detectCases {
		if ok, ev := detectP2(test.in); ok != test.p2 || ok == (ev == "") {
			t.Errorf("%s: detectP2 %v %q", test.name, ok, ev)
		}
		if ok, ev := detectCytonStream(test.in); ok != test.cyton || ok == (ev == "") {
			t.Errorf("%s: detectCytonStream %v %q", test.name, ok, ev)
		}
		if ok, ev := detectASCII(test.in); ok != test.ascii || ok == (ev == "") {
			t.Errorf("%s: detectASCII %v %q", test.name, ok, ev)
		}
		if v, ok := bitalinoVersion(test.in); v != test.bitalino || ok != (test.bitalino != "") {
			t.Errorf("%s: bitalinoVersion %q %v", test.name, v, ok)
		}
		line, ok, off := cytonBanner(test.in)
		if ok != test.bannerOK || off != test.boardOff || (test.banner != "" && line != test.banner) {
			t.Errorf("%s: cytonBanner %q %v %v", test.name, line, ok, off)
		}
	}
}

// FuzzDetect checks the detectors never panic and that their evidence is
// short printable text.
func FuzzDetect(f *testing.F) {
	for _, test := range detectCases {
		f.Add(test.in)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, d := range []func([]byte) (bool, string){detectP2, detectCytonStream, detectASCII} {
			if ok, ev := d(b); ok && (ev == "" || len(ev) > 200 || !printable(strings.ReplaceAll(ev, "…", ""))) {
				t.Fatalf("evidence %q", ev)
			}
		}
		bitalinoVersion(b)
		if line, _, _ := cytonBanner(b); !printable(strings.ReplaceAll(line, "…", "")) {
			t.Fatalf("banner line %q", line)
		}
	})
}
