package storage

import "testing"

func TestParseOutcome(t *testing.T) {
	for _, c := range []struct {
		kind OutcomeKind
		in   string
		want float64
		ok   bool
	}{
		{Ashworth, "1+", 1.5, true},
		{Ashworth, "3", 3, true},
		{Ashworth, "1.5", 1.5, true},
		{Ashworth, "5", 0, false},
		{GripKg, "12,5", 12.5, true},
		{ARAT, "57", 57, true},
		{ARAT, "x", 0, false},
		{FuglMeyerWH, "24", 24, true},
		{FuglMeyerWH, "24.5", 0, false},
	} {
		v, err := ParseOutcome(c.kind, c.in)
		if (err == nil) != c.ok || (c.ok && v != c.want) {
			t.Errorf("ParseOutcome(%s, %q) = %v, %v", c.kind, c.in, v, err)
		}
	}
}
