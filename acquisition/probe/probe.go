package probe

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"go.bug.st/serial"

	"myorehab/acquisition/serialport"
)

// Default timeouts of Options.
const (
	// DefaultListen is how long Probe listens passively at each baud
	// rate: enough for a dozen lines from a 20 Hz Arduino sketch and over
	// a hundred P2 packets.
	DefaultListen = 800 * time.Millisecond
	// DefaultBITalinoReply is how long Probe waits for the version string
	// after 0x07 (the official API waits 150 ms before each command).
	DefaultBITalinoReply = 500 * time.Millisecond
	// DefaultCytonReply is how long Probe waits for the `$$$` that ends the
	// Cyton's banner after `v` (a soft reset).
	DefaultCytonReply = 1500 * time.Millisecond
)

// Baud rates of the protocols' links.
const (
	baudP2      = 57600
	baudDefault = 115200
)

// maxListen is the most bytes kept from one listening period.
const maxListen = 16 << 10

// Conn is what Probe needs of an open serial port; go.bug.st/serial's
// Port, which serialport.Open returns, has it. Read must return (0, nil)
// after a short timeout when no data arrives.
type Conn interface {
	io.ReadWriteCloser
	// SetMode changes the baud rate (and framing) of the open port.
	SetMode(mode *serial.Mode) error
}

// Options tunes Probe. The zero value uses the defaults.
type Options struct {
	// Listen is the passive listening time per baud rate; 0 means
	// DefaultListen.
	Listen time.Duration
	// BITalinoReply and CytonReply are how long to wait for the answers
	// to the queries; 0 means the defaults.
	BITalinoReply, CytonReply time.Duration
	// Open opens the port at a baud rate; nil means serialport.Open.
	Open func(path string, baud int) (Conn, error)
}

// Result is the outcome of checking a port for one protocol.
type Result struct {
	// Protocol is the protocol checked (Cyton covers cyton-daisy).
	Protocol string
	// Answered is true when the port showed the protocol: its packets or
	// lines while listening, or the answer to its query.
	Answered bool
	// Sent lists the bytes sent for this check, e.g. "0x07" or "v, s";
	// empty when Probe only listened.
	Sent string
	// Evidence says, for the user and the log, what was seen or why the
	// protocol was not queried.
	Evidence string
}

// Report is the outcome of probing a port.
type Report struct {
	// Path is the port probed.
	Path string
	// Results holds one Result per protocol checked, in Probe's order.
	Results []Result
	// Suggested is the protocol to use (a cyton-daisy when the Cyton's
	// banner mentions the Daisy), or "" when nothing answered.
	Suggested string
}

// Result returns the result for protocol p, if it was checked.
func (r *Report) Result(p string) (Result, bool) {
	if p == CytonDaisy {
		p = Cyton
	}
	for _, res := range r.Results {
		if res.Protocol == p {
			return res, true
		}
	}
	return Result{}, false
}

// Probe checks the port at path for each of protocols (nil means
// Protocols()): first by listening (P2 at 57600 baud; ASCII lines and a
// streaming Cyton at 115200), then, only if nothing was heard, by querying
// a BITalino (0x07) and, if it did not answer, a Cyton (`v`, then `s`).
// It returns an error for an unknown protocol, when the port cannot be
// opened (a *serialport.Error) or fails, or when ctx ends.
func Probe(ctx context.Context, path string, protocols []string, opt Options) (Report, error) {
	rep := Report{Path: path}
	if protocols == nil {
		protocols = Protocols()
	}
	want := map[string]bool{}
	for _, p := range protocols {
		switch p {
		case CytonDaisy:
			p = Cyton
		case Cyton, BITalino, ASCII, P2:
		default:
			return rep, fmt.Errorf("probe: unknown protocol %q", p)
		}
		want[p] = true
	}
	if opt.Listen <= 0 {
		opt.Listen = DefaultListen
	}
	if opt.BITalinoReply <= 0 {
		opt.BITalinoReply = DefaultBITalinoReply
	}
	if opt.CytonReply <= 0 {
		opt.CytonReply = DefaultCytonReply
	}
	if opt.Open == nil {
		opt.Open = func(path string, baud int) (Conn, error) { return serialport.Open(path, baud) }
	}
	pr := &prober{ctx: ctx, path: path, opt: opt, want: want}
	if err := pr.run(); err != nil {
		return rep, err
	}
	for _, p := range Protocols() {
		if r, ok := pr.results[p]; ok && want[p] {
			rep.Results = append(rep.Results, r)
		}
	}
	rep.Suggested = pr.suggested
	return rep, nil
}

// prober is the state of one Probe.
type prober struct {
	ctx       context.Context
	path      string
	opt       Options
	want      map[string]bool
	results   map[string]Result
	heard     string // protocol recognised while listening
	suggested string
}

func (pr *prober) set(r Result) {
	if !pr.want[r.Protocol] {
		return
	}
	if pr.results == nil {
		pr.results = map[string]Result{}
	}
	pr.results[r.Protocol] = r
	if r.Answered && pr.suggested == "" {
		pr.suggested = r.Protocol
	}
}

// phase is what one listening period heard.
type phase struct {
	baud int
	data []byte
}

// run opens the port once (reopening would reset an Arduino through DTR),
// listens at 57600 baud (P2) and at 115200 (the others), then queries a
// BITalino and a Cyton if the port stayed quiet.
func (pr *prober) run() error {
	var bauds []int
	if pr.want[P2] {
		bauds = append(bauds, baudP2)
	}
	if pr.want[ASCII] || pr.want[BITalino] || pr.want[Cyton] {
		bauds = append(bauds, baudDefault)
	}
	port, err := pr.opt.Open(pr.path, bauds[0])
	if err != nil {
		return err
	}
	defer port.Close()
	var phases []phase
	for i, b := range bauds {
		if i > 0 {
			mode := &serial.Mode{BaudRate: b, DataBits: 8, Parity: serial.NoParity, StopBits: serial.OneStopBit}
			if err := port.SetMode(mode); err != nil {
				return fmt.Errorf("probe %s: set %d baud: %w", pr.path, b, err)
			}
		}
		data, err := pr.read(port, pr.opt.Listen, nil)
		if err != nil {
			return err
		}
		phases = append(phases, phase{b, data})
	}

	// What was heard, by the detectors in order.
	detectors := []struct {
		protocol string
		detect   func([]byte) (bool, string)
	}{{P2, detectP2}, {ASCII, detectASCII}, {Cyton, detectCytonStream}}
	noise := false
	for _, d := range detectors {
		for _, ph := range phases {
			if ok, ev := d.detect(ph.data); ok {
				if pr.heard == "" {
					pr.heard = d.protocol
				}
				pr.set(Result{Protocol: d.protocol, Answered: true, Evidence: fmt.Sprintf("%s at %d baud", ev, ph.baud)})
				break
			}
		}
	}
	for _, ph := range phases {
		noise = noise || (len(ph.data) > 0 && pr.heard == "")
	}
	for _, p := range []string{P2, ASCII} {
		if _, ok := pr.results[p]; !ok {
			pr.set(Result{Protocol: p, Evidence: heardNothing(phases)})
		}
	}

	for _, p := range []string{BITalino, Cyton} {
		if r, ok := pr.results[p]; !pr.want[p] || (ok && r.Answered) {
			continue
		}
		switch {
		case pr.heard != "":
			pr.set(Result{Protocol: p, Evidence: "not queried: the port is already sending " + pr.heard + " data"})
			continue
		case noise:
			pr.set(Result{Protocol: p, Evidence: "not queried: the port is sending data no protocol matches (wrong baud rate, or another device)"})
			continue
		}
		if r, ok := pr.results[BITalino]; p == Cyton && ok && r.Answered {
			pr.set(Result{Protocol: Cyton, Evidence: "not queried: a BITalino answered (`v` would start its simulated acquisition)"})
			continue
		}
		var err error
		if p == BITalino {
			err = pr.queryBITalino(port)
		} else {
			err = pr.queryCyton(port)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// queryBITalino sends 0x07 and waits for the version line.
func (pr *prober) queryBITalino(port io.ReadWriter) error {
	if _, err := port.Write([]byte{0x07}); err != nil {
		return fmt.Errorf("probe %s: write: %w", pr.path, err)
	}
	data, err := pr.read(port, pr.opt.BITalinoReply, func(b []byte) bool {
		_, ok := bitalinoVersion(b)
		return ok
	})
	if err != nil {
		return err
	}
	if v, ok := bitalinoVersion(data); ok {
		pr.set(Result{Protocol: BITalino, Answered: true, Sent: "0x07", Evidence: "version " + clip(v)})
		return nil
	}
	pr.set(Result{Protocol: BITalino, Sent: "0x07", Evidence: noAnswer(data, pr.opt.BITalinoReply)})
	return nil
}

// queryCyton sends `v` and waits for the banner's `$$$`; a board that
// answered gets `s` so that it stays idle. If something other than a
// banner came back, 0x00 (a BITalino's "stop") undoes the simulated
// acquisition `v` may have started on a BITalino that missed 0x07.
func (pr *prober) queryCyton(port io.ReadWriter) error {
	if _, err := port.Write([]byte("v")); err != nil {
		return fmt.Errorf("probe %s: write: %w", pr.path, err)
	}
	data, err := pr.read(port, pr.opt.CytonReply, func(b []byte) bool { return bytes.Contains(b, []byte("$$$")) })
	if err != nil {
		return err
	}
	line, ok, off := cytonBanner(data)
	switch {
	case ok:
		if _, err := port.Write([]byte("s")); err != nil {
			return fmt.Errorf("probe %s: write: %w", pr.path, err)
		}
		r := Result{Protocol: Cyton, Answered: !off, Sent: "v, s", Evidence: line}
		if off {
			r.Evidence = "the OpenBCI dongle answered but the board seems off: " + line
		}
		pr.set(r)
		if !off && pr.suggested == Cyton && strings.Contains(strings.ToLower(string(data)), "daisy") {
			pr.suggested = CytonDaisy
		}
	case len(data) > 0:
		if _, err := port.Write([]byte{0x00}); err != nil {
			return fmt.Errorf("probe %s: write: %w", pr.path, err)
		}
		pr.set(Result{Protocol: Cyton, Sent: "v, 0x00", Evidence: noAnswer(data, pr.opt.CytonReply)})
	default:
		pr.set(Result{Protocol: Cyton, Sent: "v", Evidence: noAnswer(data, pr.opt.CytonReply)})
	}
	return nil
}

// read collects what port sends for d, or until done(data) is true. It
// returns ctx's error if ctx ends, and an error if the port fails.
func (pr *prober) read(port io.Reader, d time.Duration, done func([]byte) bool) ([]byte, error) {
	deadline := time.Now().Add(d)
	buf := make([]byte, 512)
	var data []byte
	for time.Now().Before(deadline) {
		if err := pr.ctx.Err(); err != nil {
			return data, err
		}
		n, err := port.Read(buf)
		if n > 0 && len(data) < maxListen {
			data = append(data, buf[:min(n, maxListen-len(data))]...)
			if done != nil && done(data) {
				return data, nil
			}
		}
		if err != nil {
			return data, fmt.Errorf("probe %s: read: %w", pr.path, err)
		}
	}
	return data, nil
}

func heardNothing(phases []phase) string {
	var parts []string
	for _, ph := range phases {
		if len(ph.data) == 0 {
			parts = append(parts, fmt.Sprintf("silent at %d baud", ph.baud))
		} else {
			parts = append(parts, fmt.Sprintf("%d bytes at %d baud matched no packet or line format (%s)", len(ph.data), ph.baud, hexPrefix(ph.data)))
		}
	}
	return strings.Join(parts, "; ")
}

func noAnswer(data []byte, d time.Duration) string {
	if len(data) == 0 {
		return fmt.Sprintf("no answer within %v", d)
	}
	return fmt.Sprintf("unexpected answer (%d bytes: %s)", len(data), hexPrefix(data))
}

// hexPrefix shows the first bytes of b in hex.
func hexPrefix(b []byte) string {
	n := min(len(b), 8)
	s := fmt.Sprintf("% X", b[:n])
	if len(b) > n {
		s += " …"
	}
	return s
}
