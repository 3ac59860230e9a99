package classify_test

import (
	"testing"

	"myorehab/processing/classify"
)

func TestReject(t *testing.T) {
	t.Parallel()
	p := []float64{0.1, 0.7, 0.2}
	for _, test := range []struct {
		class     int
		threshold float64
		want      int
	}{
		{1, 0.5, 1},
		{1, 0.7, 1},
		{1, 0.71, classify.NoDecision},
		{2, 0.1, 2},
		{classify.NoDecision, 0, classify.NoDecision},
	} {
		if got := classify.Reject(test.class, p, test.threshold); got != test.want {
			t.Errorf("Reject(%d, %v, %v) = %d, want %d", test.class, p, test.threshold, got, test.want)
		}
	}
}

func TestVote(t *testing.T) {
	t.Parallel()
	const N = classify.NoDecision
	for _, test := range []struct {
		name string
		k    int
		in   []int
		want []int
	}{
		{"K1", 1, []int{0, 1, N, 2}, []int{0, 1, N, 2}},
		{"K3Switch", 3, []int{0, 0, 0, 1, 1, 1}, []int{0, 0, 0, 0, 1, 1}},
		{"K3Glitch", 3, []int{2, 2, 1, 2, 2}, []int{2, 2, 2, 2, 2}},
		{"K4TieKeeps", 4, []int{0, 0, 1, 1, 1}, []int{0, 0, 0, 0, 1}},
		{"K3AllDifferent", 3, []int{0, 1, 2, 0}, []int{0, 0, 0, 0}},
		{"K3RecentWinsTie", 3, []int{N, 1, 2, 2}, []int{N, N, N, 2}},
		{"Rejections", 3, []int{1, N, N, 1}, []int{1, 1, N, N}},
	} {
		t.Run(test.name, func(t *testing.T) {
			v := classify.NewVote(test.k, 3)
			for i, c := range test.in {
				if got := v.Push(c); got != test.want[i] {
					t.Fatalf("step %d: Push(%d) = %d, want %d", i, c, got, test.want[i])
				}
			}
			v.Reset()
			if got := v.Push(2); got != 2 {
				t.Errorf("after Reset: %d", got)
			}
		})
	}
}

// TestVoteDelay checks the documented delay: after a long run of A, the
// vote outputs B exactly Delay() decisions after the first B.
func TestVoteDelay(t *testing.T) {
	t.Parallel()
	for k := 1; k <= 9; k++ {
		v := classify.NewVote(k, 2)
		for range 2 * k {
			v.Push(0)
		}
		lag := 0
		for v.Push(1) != 1 {
			lag++
		}
		if lag != v.Delay() || lag != k/2 {
			t.Errorf("k=%d: switched after %d extra decisions, Delay() = %d", k, lag, v.Delay())
		}
	}
	if got := classify.DelayMs(2, 50, 1000); got != 100 {
		t.Errorf("DelayMs = %v, want 100", got)
	}
}

func TestVoteNoAllocs(t *testing.T) {
	v := classify.NewVote(5, 6)
	i := 0
	if a := testing.AllocsPerRun(100, func() { i++; v.Push(i%7 - 1) }); a != 0 {
		t.Errorf("%v allocs per Push", a)
	}
}
