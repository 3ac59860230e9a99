package classify

// Reject returns class when its probability probs[class] is at least
// threshold, and NoDecision otherwise (also for class NoDecision). It adds
// no delay.
func Reject(class int, probs []float64, threshold float64) int {
	if class < 0 || class >= len(probs) || probs[class] < threshold {
		return NoDecision
	}
	return class
}

// Vote is a majority vote over the last K decisions (NoDecision counts as a
// decision of its own). On a tie the previous output is kept if it is among
// the tied classes, else the most recent tied decision wins.
//
// Delay: after a clean switch from class A to class B the output follows
// once B outnumbers A, that is after ⌊K/2⌋+1 decisions of B, so the vote
// adds ⌊K/2⌋ decisions (Delay), i.e. ⌊K/2⌋·inc/fs seconds (DelayMs) to the
// window's own delay. Until K decisions have been seen the vote runs over
// those available.
type Vote struct {
	hist   []int // ring of class+1 (0 = NoDecision)
	counts []int
	pos, n int
	last   int
}

// NewVote returns a vote over the last k ≥ 1 decisions of classes
// 0..classes-1 (and NoDecision). It panics if k < 1 or classes < 1.
func NewVote(k, classes int) *Vote {
	if k < 1 || classes < 1 {
		panic("classify: bad vote size")
	}
	return &Vote{hist: make([]int, k), counts: make([]int, classes+1), last: NoDecision}
}

// Push adds a decision (a class or NoDecision) and returns the voted
// class. It panics on a class outside [NoDecision, classes). It does not
// allocate.
func (v *Vote) Push(class int) int {
	c := class + 1
	if c < 0 || c >= len(v.counts) {
		panic("classify: vote class out of range")
	}
	if v.n == len(v.hist) {
		v.counts[v.hist[v.pos]]--
	} else {
		v.n++
	}
	v.hist[v.pos] = c
	v.counts[c]++
	v.pos = (v.pos + 1) % len(v.hist)
	top := 0
	for _, n := range v.counts {
		top = max(top, n)
	}
	if v.counts[v.last+1] == top {
		return v.last
	}
	// Most recent decision among the tied classes.
	for i := 1; i <= v.n; i++ {
		h := v.hist[(v.pos-i+len(v.hist))%len(v.hist)]
		if v.counts[h] == top {
			v.last = h - 1
			break
		}
	}
	return v.last
}

// Reset forgets all decisions.
func (v *Vote) Reset() {
	clear(v.hist)
	clear(v.counts)
	v.pos, v.n, v.last = 0, 0, NoDecision
}

// Delay returns the delay the vote adds, in decisions: ⌊K/2⌋.
func (v *Vote) Delay() int { return len(v.hist) / 2 }

// DelayMs converts a delay in decisions into milliseconds for decisions
// every incSamples samples at fsHz:
//
//	decisions · incSamples / fsHz · 1000
func DelayMs(decisions, incSamples int, fsHz float64) float64 {
	return float64(decisions) * float64(incSamples) / fsHz * 1000
}
