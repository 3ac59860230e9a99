package cyton

import "fmt"

// GainFromCode returns the ADS1299 gain for a GAIN_SET character '0'–'6'
// of a channel-settings command (1, 2, 4, 6, 8, 12, 24), and false for
// any other byte.
func GainFromCode(code byte) (int, bool) {
	switch code {
	case '0':
		return 1, true
	case '1':
		return 2, true
	case '2':
		return 4, true
	case '3':
		return 6, true
	case '4':
		return 8, true
	case '5':
		return 12, true
	case '6':
		return 24, true
	}
	return 0, false
}

// GainCode returns the GAIN_SET character for an ADS1299 gain, and false
// if the chip has no such gain.
func GainCode(gain int) (byte, bool) {
	for c := byte('0'); c <= '6'; c++ {
		if g, _ := GainFromCode(c); g == gain {
			return c, true
		}
	}
	return 0, false
}

// ChannelSettingsCommand returns the 9-byte `x C P G I B S2 S1 X` command
// that turns channel ch (1–8) on with the given gain, normal input, bias
// and SRB2 on, SRB1 off (the board defaults apart from the gain). It
// returns an error for a channel outside 1–8 or a gain the chip lacks.
func ChannelSettingsCommand(ch, gain int) ([]byte, error) {
	if ch < 1 || ch > Channels {
		return nil, fmt.Errorf("cyton: channel %d outside 1–%d", ch, Channels)
	}
	g, ok := GainCode(gain)
	if !ok {
		return nil, fmt.Errorf("cyton: gain %d not one of 1, 2, 4, 6, 8, 12, 24", gain)
	}
	return []byte{'x', byte('0' + ch), '0', g, '0', '1', '1', '0', 'X'}, nil
}

// ParseChannelSettings parses a 9-byte channel-settings command as the
// board does and returns its channel (1–8) and gain. It returns ok false
// for anything else, including Daisy channels.
func ParseChannelSettings(cmd []byte) (ch, gain int, ok bool) {
	if len(cmd) != 9 || cmd[0] != 'x' || cmd[8] != 'X' || cmd[1] < '1' || cmd[1] > '8' {
		return 0, 0, false
	}
	gain, ok = GainFromCode(cmd[3])
	return int(cmd[1] - '0'), gain, ok
}

// SampleRateCode returns the character N of the `~N` sample-rate command
// for rateHz (16000, 8000, 4000, 2000, 1000, 500 or 250), and false for any
// other rate.
func SampleRateCode(rateHz int) (byte, bool) {
	for c := byte('0'); c <= '6'; c++ {
		if r, _ := SampleRateFromCode(c); r == rateHz {
			return c, true
		}
	}
	return 0, false
}

// SampleRateFromCode returns the rate in hertz selected by `~N`, and false
// if N is not '0'–'6'.
func SampleRateFromCode(code byte) (int, bool) {
	if code < '0' || code > '6' {
		return 0, false
	}
	return 16000 >> (code - '0'), true
}
