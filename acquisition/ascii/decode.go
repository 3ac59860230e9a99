package ascii

import (
	"bytes"
	"math"
	"strconv"
	"strings"

	"myorehab/acquisition"
	"myorehab/acquisition/internal/link"
)

// MaxLine is the longest line accepted, in bytes.
const MaxLine = 512

// SafetyWarning is the warning to show whenever a hobby sensor is used.
const SafetyWarning = "Hobby EMG sensor: run the computer on battery only (unplug the charger, dock and monitor), or use an isolation amplifier. Not a medical device."

// Meta is the metadata of an EMG-ASCII v1 stream.
type Meta struct {
	// RateHz is the declared sample rate (0 when not declared).
	RateHz float64
	// Units is "adc", "uV" or "mV" ("" when not declared).
	Units string
	// Bits, VrefV and Gain give the ADC transfer function (0 when not
	// declared).
	Bits         int
	VrefV, Gain  float64
	Labels       []string
	Counter      bool
	CounterGiven bool
}

// ParseMeta parses a metadata line (with or without its leading '#').
// Unknown keys are ignored; ok is false when no known key parsed.
func ParseMeta(line string) (m Meta, ok bool) {
	line = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "#"))
	for _, kv := range strings.Fields(line) {
		k, v, found := strings.Cut(kv, "=")
		if !found {
			continue
		}
		var err error
		switch strings.ToLower(k) {
		case "rate":
			m.RateHz, err = strconv.ParseFloat(v, 64)
			err = positive(m.RateHz, err)
		case "units":
			m.Units = v
		case "bits":
			m.Bits, err = strconv.Atoi(v)
			if err == nil && (m.Bits < 1 || m.Bits > 31) {
				err = strconv.ErrRange
			}
		case "vref":
			m.VrefV, err = strconv.ParseFloat(v, 64)
			err = positive(m.VrefV, err)
		case "gain":
			m.Gain, err = strconv.ParseFloat(v, 64)
			err = positive(m.Gain, err)
		case "labels":
			m.Labels = strings.Split(v, ",")
		case "counter":
			m.Counter, m.CounterGiven = v == "1", true
		default:
			continue
		}
		if err != nil {
			return Meta{}, false
		}
		ok = true
	}
	return m, ok
}

func positive(v float64, err error) error {
	if err == nil && !(v > 0 && !math.IsInf(v, 0)) {
		return strconv.ErrRange
	}
	return err
}

// Decoder parses lines into samples. Set Channels (0: learned from the
// first data line), Counter and Mult before use; the zero value reads
// counter-less integer lines.
type Decoder struct {
	// Channels is the number of values per line, excluding the counter.
	Channels int
	// Counter says the first field is a uint32 sample counter.
	Counter bool
	// Mult multiplies decimal values before rounding (0 means 1).
	Mult float64
	// BadLines counts lines skipped because they did not parse.
	BadLines uint64
	// SkippedBytes counts bytes of skipped lines.
	SkippedBytes uint64
	// Meta is the latest metadata line's content; MetaLines counts them.
	Meta      Meta
	MetaLines uint64

	lines  uint32 // data lines decoded (Seq without a counter)
	fields [link.MaxChannels + 1]int64
}

var (
	_ acquisition.Decoder = (*Decoder)(nil)
	_ link.FrameDecoder   = (*Decoder)(nil)
)

// Counters returns BadLines and SkippedBytes.
func (d *Decoder) Counters() (corrupt, skipped uint64) { return d.BadLines, d.SkippedBytes }

func (d *Decoder) bad(k int) {
	d.BadLines++
	d.SkippedBytes += uint64(k)
}

// line decodes one complete line (without '\n'); ok when it was a data
// line, whose counts are in dst and sequence number in seq.
func (d *Decoder) line(dst []int32, l []byte) (seq uint32, ok bool) {
	l = bytes.TrimRight(l, "\r")
	trimmed := bytes.TrimLeft(l, " \t")
	if len(trimmed) == 0 {
		return 0, false
	}
	if trimmed[0] == '#' {
		if m, ok := ParseMeta(string(trimmed)); ok {
			d.Meta = m
			d.MetaLines++
			return 0, false
		}
		d.bad(len(l) + 1)
		return 0, false
	}
	n := 0
	mult := d.Mult
	if mult == 0 {
		mult = 1
	}
	for i := 0; i < len(l); {
		for i < len(l) && (l[i] == ',' || l[i] == ' ' || l[i] == '\t') {
			i++
		}
		if i == len(l) {
			break
		}
		j := i
		for j < len(l) && l[j] != ',' && l[j] != ' ' && l[j] != '\t' {
			j++
		}
		f := l[i:j]
		if k := bytes.LastIndexByte(f, ':'); k >= 0 {
			f = f[k+1:]
		}
		if n == len(d.fields) {
			d.bad(len(l) + 1)
			return 0, false
		}
		v, isInt := parseInt(f)
		if !isInt {
			if n == 0 && d.Counter {
				d.bad(len(l) + 1)
				return 0, false
			}
			x, err := strconv.ParseFloat(string(f), 64)
			if err != nil || math.IsNaN(x) || math.Abs(x*mult) > math.MaxInt32 {
				d.bad(len(l) + 1)
				return 0, false
			}
			v = int64(math.Round(x * mult))
		} else if !(n == 0 && d.Counter) {
			v *= int64(mult)
		}
		d.fields[n] = v
		n++
		i = j
	}
	first := 0
	if d.Counter {
		first = 1
	}
	if d.Channels == 0 && n > first && n-first <= link.MaxChannels {
		d.Channels = n - first
	}
	if n-first != d.Channels || d.Channels == 0 {
		d.bad(len(l) + 1)
		return 0, false
	}
	if d.Counter {
		if d.fields[0] < 0 || d.fields[0] > math.MaxUint32 {
			d.bad(len(l) + 1)
			return 0, false
		}
		seq = uint32(d.fields[0])
	} else {
		seq = d.lines
	}
	for c := range d.Channels {
		v := d.fields[first+c]
		if v > math.MaxInt32 || v < math.MinInt32 {
			d.bad(len(l) + 1)
			return 0, false
		}
		dst[c] = int32(v)
	}
	d.lines++
	return seq, true
}

// parseInt parses an optionally signed decimal integer of at most 12
// digits without allocating.
func parseInt(f []byte) (int64, bool) {
	neg := false
	if len(f) > 0 && (f[0] == '-' || f[0] == '+') {
		neg = f[0] == '-'
		f = f[1:]
	}
	if len(f) == 0 || len(f) > 12 {
		return 0, false
	}
	var v int64
	for _, c := range f {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	if neg {
		v = -v
	}
	return v, true
}

// nextLine returns the next complete line of p[i:] (without '\n') and
// the position after it; ok is false when there is none (a tail longer
// than MaxLine without a newline is then skipped as garbage, and next
// moves past it). Over-long lines are skipped: line is nil.
func (d *Decoder) nextLine(p []byte, i int) (line []byte, next int, ok bool) {
	j := bytes.IndexByte(p[i:], '\n')
	if j < 0 {
		if len(p)-i > MaxLine {
			d.bad(len(p) - i)
			return nil, len(p), false
		}
		return nil, i, false
	}
	if j > MaxLine {
		d.bad(j + 1)
		return nil, i + j + 1, true
	}
	return p[i : i+j], i + j + 1, true
}

// DecodeFrames decodes complete lines of p into dst; Seq is the counter,
// or the data line number without one. A partial last line is left
// unconsumed (atEOF does not change that: a line is complete only with its
// newline). Data lines do not allocate; metadata lines do.
func (d *Decoder) DecodeFrames(dst []link.Frame, p []byte, atEOF bool) (n, consumed int) {
	i := 0
	for n < len(dst) {
		l, next, ok := d.nextLine(p, i)
		i = next
		if !ok {
			break
		}
		if l == nil {
			continue
		}
		if seq, ok := d.line(dst[n].Counts[:], l); ok {
			dst[n].Seq = seq
			n++
		}
	}
	return n, i
}

// Decode implements acquisition.Decoder: Channels counts per data line.
// Until Channels is known (0), it is learned from the first data line, and
// Decode needs room for link.MaxChannels counts in dst to go on. It does
// not allocate for data lines.
func (d *Decoder) Decode(dst []int32, p []byte) (samples, consumed int) {
	var tmp [link.MaxChannels]int32
	i := 0
	for {
		need := d.Channels
		if need == 0 {
			need = link.MaxChannels
		}
		if samples*d.Channels+need > len(dst) {
			break
		}
		l, next, ok := d.nextLine(p, i)
		i = next
		if !ok {
			break
		}
		if l == nil {
			continue
		}
		if _, ok := d.line(tmp[:], l); ok {
			copy(dst[samples*d.Channels:], tmp[:d.Channels])
			samples++
		}
	}
	return samples, i
}
