package sim

import (
	"math"
	"math/rand/v2"
	"sync/atomic"

	"myorehab/acquisition"
)

var _ acquisition.Generator = (*Simulator)(nil)

// Signal model constants.
const (
	bandLoHz    = 20.0  // EMG band lower edge, clipped to 0.1 × rate
	bandHiHz    = 450.0 // EMG band upper edge, clipped to 0.45 × rate
	bandLoFrac  = 0.1
	bandHiFrac  = 0.45
	mdfMaxFrac  = 0.25 // MDFHz is clipped to this fraction of the rate
	shapeQ      = 0.5  // quality of the two spectral shaping band-pass sections
	minMDFFrac  = 0.6  // fatigue stops at this fraction of the fresh MDF
	gainSpread  = 0.15 // per-channel gain varies in [1-gainSpread, 1+gainSpread]
	tickSeconds = 0.01 // fatigue state update period
	modelBins   = 1024 // frequency grid for the spectral model
	tableSize   = 36   // points of the MDF → centre frequency table
	tableLoFrac = 0.3  // lowest centre frequency in the table, × the fresh one
	rampToTau   = 3.36 // 10–90% rise time of two cascaded one-pole lags, in τ
)

// Simulator generates simulated sEMG for one electrode ring. Next must be
// called from one goroutine at a time; SetGesture, SetLevel, SetScript and
// Current may be called from any goroutine at any time.
type Simulator struct {
	cfg Config
	n   int

	// Control, shared between goroutines.
	gesture atomic.Int32
	level   atomic.Uint64 // math.Float64bits of the manual level
	script  atomic.Pointer[scriptState]
	current atomic.Int32

	// Model, fixed after NewSimulator.
	patterns     []float64 // numGestures × n activations at full level
	gain         []float64 // µV RMS at full activation, per channel
	mainsCos     []float64 // µV, per channel: mains = mainsCos·cos φ + mainsSin·sin φ
	mainsSin     []float64
	mainsStep    float64 // mains phase increment in radians per sample; 0 = off
	noiseUV      float64
	hp, lp1, lp2 biquad
	fs           float64
	mdfNom       float64   // fresh median frequency, Hz
	mdfMin       float64   // fatigue floor, Hz
	mdfTab       []float64 // increasing model MDFs, Hz
	f0Tab        []float64 // shaping centre frequency giving mdfTab[i], Hz
	normTab      []float64 // input scale giving unit output variance at f0Tab[i]
	envAlpha     float64   // one-pole smoothing coefficient of the activation
	tick         int       // samples between fatigue updates
	fatigueStep  float64   // MDF fall per tick at full activation, Hz
	recoverStep  float64   // fraction of the MDF deficit recovered per tick at rest

	// Generator state, owned by the goroutine calling Next.
	src       *rand.PCG
	rng       *rand.Rand
	ch        []channel
	active    *scriptState
	pos       uint64 // samples since the active script (re)started
	step      int    // index of the active script step
	lastG     Gesture
	lastL     float64
	phase     float64 // mains phase, radians in [0, 2π)
	sinceTick int
}

// channel is the generator state of one channel.
type channel struct {
	target, env1, env2 float64 // activation: target and its two-pole smoothing
	mdf                float64 // current model median frequency, Hz
	bp                 biquad  // shaping band-pass for mdf
	inScale            float64 // driving noise scale for unit EMG variance
	sBP1, sBP2         biquadState
	sHP, sLP1, sLP2    biquadState
}

// Stream selectors of the PCG source, so the seed draws different streams
// for the fixed per-channel traits and for the signal.
const (
	traitStream  = 0x7261697473696d31
	signalStream = 0x7369676e616c7331
)

// NewSimulator returns a Simulator for cfg, or an error if a field of cfg is
// out of range (see Config).
func NewSimulator(cfg Config) (*Simulator, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	n, fs := cfg.Channels, cfg.RateHz
	s := &Simulator{
		cfg:      cfg,
		n:        n,
		fs:       fs,
		noiseUV:  cfg.NoiseUV,
		patterns: make([]float64, int(numGestures)*n),
		gain:     make([]float64, n),
		mainsCos: make([]float64, n),
		mainsSin: make([]float64, n),
		ch:       make([]channel, n),
	}
	for g := range numGestures {
		Pattern(s.patterns[int(g)*n:int(g+1)*n], g, n)
	}

	traits := rand.New(rand.NewPCG(cfg.Seed, traitStream))
	for c := range n {
		s.gain[c] = cfg.MaxUV * (1 - gainSpread + 2*gainSpread*traits.Float64())
		amp := cfg.MainsUV * (0.5 + 0.5*traits.Float64())
		sin, cos := math.Sincos(2 * math.Pi * traits.Float64())
		s.mainsCos[c], s.mainsSin[c] = amp*cos, amp*sin
	}
	if cfg.MainsHz > 0 && cfg.MainsHz < fs/2 && cfg.MainsUV > 0 {
		s.mainsStep = 2 * math.Pi * cfg.MainsHz / fs
	}

	lo, hi := math.Min(bandLoHz, bandLoFrac*fs), math.Min(bandHiHz, bandHiFrac*fs)
	s.hp = highpass(lo, butter2Q, fs)
	s.lp1, s.lp2 = lowpass(hi, butter4Q1, fs), lowpass(hi, butter4Q2, fs)
	s.buildSpectrumModel(math.Min(cfg.MDFHz, mdfMaxFrac*fs), lo, hi)

	s.envAlpha = -math.Expm1(-rampToTau / (cfg.RampS * fs))
	s.tick = max(1, int(math.Round(tickSeconds*fs)))
	dt := float64(s.tick) / fs
	s.fatigueStep = cfg.FatigueHzPerS * dt
	s.recoverStep = -math.Expm1(-dt / cfg.RecoveryS)

	s.src = rand.NewPCG(cfg.Seed, signalStream)
	s.rng = rand.New(s.src)
	s.level.Store(math.Float64bits(1))
	if !cfg.Manual {
		sc := cfg.Script
		if sc == nil {
			sc = DefaultScript()
		}
		s.script.Store(newScriptState(sc, fs))
	}
	s.Reset()
	return s, nil
}

// shapeModel returns the median frequency in Hz of the EMG shaping chain's
// output for white input, and the chain's noise power gain: two band-pass
// sections centred on f0, then the fixed band edges whose power gain on the
// model grid (modelBins bins of width df from 0) is edges. The power above
// the grid is negligible.
func (s *Simulator) shapeModel(f0, df float64, edges []float64) (mdf, power float64) {
	var p [modelBins]float64
	bp := bandpass(f0, shapeQ, s.fs)
	var total float64
	for k := range p {
		h := bp.response((float64(k)+0.5)*df, s.fs)
		g := real(h)*real(h) + imag(h)*imag(h)
		p[k] = g * g * edges[k]
		total += p[k]
	}
	half, cum := total/2, 0.0
	for k, pk := range p {
		if cum+pk >= half {
			mdf = (float64(k) + (half-cum)/pk) * df
			break
		}
		cum += pk
	}
	return mdf, total * df / (s.fs / 2)
}

// buildSpectrumModel finds the shaping centre frequency whose output has
// median frequency mdf (clipped to what the band lo–hi Hz allows) and
// tabulates the median frequency and variance over the fatigue range.
func (s *Simulator) buildSpectrumModel(mdf, lo, hi float64) {
	// The grid stops at 4·hi, where the band edges are down 48 dB.
	edges := make([]float64, modelBins)
	df := math.Min(s.fs/2, 4*hi) / modelBins
	for k := range edges {
		f := (float64(k) + 0.5) * df
		h := s.hp.response(f, s.fs) * s.lp1.response(f, s.fs) * s.lp2.response(f, s.fs)
		edges[k] = real(h)*real(h) + imag(h)*imag(h)
	}
	lo /= 4
	mLo, _ := s.shapeModel(lo, df, edges)
	mHi, _ := s.shapeModel(hi, df, edges)
	mdf = math.Min(math.Max(mdf, mLo), mHi)
	for range 40 { // bisection: the median rises with the centre frequency
		mid := (lo + hi) / 2
		if m, _ := s.shapeModel(mid, df, edges); m < mdf {
			lo = mid
		} else {
			hi = mid
		}
	}
	f0Nom := (lo + hi) / 2
	s.mdfTab = make([]float64, tableSize)
	s.f0Tab = make([]float64, tableSize)
	s.normTab = make([]float64, tableSize)
	for i := range tableSize {
		f0 := f0Nom * (tableLoFrac + (1-tableLoFrac)*float64(i)/(tableSize-1))
		m, p := s.shapeModel(f0, df, edges)
		s.f0Tab[i], s.mdfTab[i], s.normTab[i] = f0, m, 1/math.Sqrt(p)
	}
	s.mdfNom = s.mdfTab[tableSize-1]
	s.mdfMin = math.Max(minMDFFrac*s.mdfNom, s.mdfTab[0])
}

// setMDF points channel ch's shaping filter at median frequency mdf, which
// must lie within the table.
func (s *Simulator) setMDF(ch *channel, mdf float64) {
	i := 1
	for i < tableSize-1 && s.mdfTab[i] < mdf {
		i++
	}
	t := (mdf - s.mdfTab[i-1]) / (s.mdfTab[i] - s.mdfTab[i-1])
	f0 := s.f0Tab[i-1] + t*(s.f0Tab[i]-s.f0Tab[i-1])
	ch.mdf = mdf
	ch.bp = bandpass(f0, shapeQ, s.fs)
	ch.inScale = s.normTab[i-1] + t*(s.normTab[i]-s.normTab[i-1])
}

// Config returns the simulator's configuration with defaults filled in.
func (s *Simulator) Config() Config {
	c := s.cfg
	c.Labels = append([]string(nil), c.Labels...)
	if c.Script != nil {
		c.Script = append(Script(nil), c.Script...)
	}
	return c
}

// Channels returns the number of channels.
func (s *Simulator) Channels() int { return s.n }

// RateHz returns the sampling rate in hertz.
func (s *Simulator) RateHz() float64 { return s.fs }

// MedianFrequencyHz returns the median frequency in hertz of a fresh
// muscle's EMG spectrum in this simulator (Config.MDFHz after clipping to the
// band the rate allows).
func (s *Simulator) MedianFrequencyHz() float64 { return s.mdfNom }

// SetGesture selects the gesture performed under manual control. It panics
// if g is not valid. It takes effect at the next sample when no script runs
// (see SetScript). Safe for concurrent use.
func (s *Simulator) SetGesture(g Gesture) {
	if !g.Valid() {
		panic("sim: invalid gesture")
	}
	s.gesture.Store(int32(g))
}

// SetLevel sets the contraction level under manual control, as a fraction of
// full activation; values outside [0, 1] are clipped. It panics if level is
// NaN. The initial level is 1. Safe for concurrent use.
func (s *Simulator) SetLevel(level float64) {
	if math.IsNaN(level) {
		panic("sim: NaN level")
	}
	s.level.Store(math.Float64bits(math.Min(math.Max(level, 0), 1)))
}

// SetScript starts running sc from its first step at the next sample,
// repeating it until SetScript is called again; a nil sc returns to manual
// control (SetGesture, SetLevel). It returns an error, and changes nothing,
// if sc is not valid (see Script.Validate). Safe for concurrent use.
func (s *Simulator) SetScript(sc Script) error {
	if sc == nil {
		s.script.Store(nil)
		return nil
	}
	if err := sc.Validate(); err != nil {
		return err
	}
	s.script.Store(newScriptState(sc, s.fs))
	return nil
}

// Current returns the gesture of the most recently generated sample (Rest
// before the first). Safe for concurrent use.
func (s *Simulator) Current() Gesture { return Gesture(s.current.Load()) }

// Reset returns the generator to its initial state: the random stream, the
// filters, muscle activation and fatigue start again, and a running script
// restarts from its first step. The controls (gesture, level, script) are
// kept. Like Next, it must not run concurrently with Next.
func (s *Simulator) Reset() {
	s.src.Seed(s.cfg.Seed, signalStream)
	for c := range s.ch {
		s.ch[c] = channel{}
		s.setMDF(&s.ch[c], s.mdfNom)
	}
	s.active, s.pos, s.step = nil, 0, 0
	s.lastG, s.lastL = -1, math.NaN()
	s.phase, s.sinceTick = 0, 0
}

// control applies the script or the manual controls for the next sample.
func (s *Simulator) control() {
	sc := s.script.Load()
	if sc != s.active {
		s.active, s.pos, s.step = sc, 0, 0
	}
	var g Gesture
	var level float64
	if sc != nil {
		for s.pos >= sc.ends[s.step] {
			s.step++
			if s.step == len(sc.steps) {
				s.step, s.pos = 0, 0
			}
		}
		st := &sc.steps[s.step]
		g, level = st.Gesture, st.Level
		s.pos++
	} else {
		g = Gesture(s.gesture.Load())
		level = math.Float64frombits(s.level.Load())
	}
	if g == s.lastG && level == s.lastL {
		return
	}
	s.lastG, s.lastL = g, level
	p := s.patterns[int(g)*s.n : int(g+1)*s.n]
	for c := range s.ch {
		s.ch[c].target = level * p[c]
	}
	s.current.Store(int32(g))
}

// fatigue advances every channel's median frequency by one tick: it falls in
// proportion to activation and recovers towards the fresh value in
// proportion to rest.
func (s *Simulator) fatigue() {
	for c := range s.ch {
		ch := &s.ch[c]
		d := ch.env2
		m := ch.mdf - s.fatigueStep*d + (s.mdfNom-ch.mdf)*s.recoverStep*(1-d)
		m = math.Min(math.Max(m, s.mdfMin), s.mdfNom)
		if m != ch.mdf {
			s.setMDF(ch, m)
		}
	}
}

// Next writes the next sample of every channel, in µV, into dst. It panics
// if len(dst) != Channels(). It does not allocate.
//
// Each channel's sample is
//
//	gain · a(t) · e(t) + noise + mains
//
// where a(t) is the channel's activation (gesture pattern × level, smoothed),
// e(t) unit-variance band-limited Gaussian noise whose spectral median tracks
// the channel's fatigue state, noise white Gaussian with RMS NoiseUV, and
// mains the channel's share of the MainsHz sinusoid.
func (s *Simulator) Next(dst []float64) {
	if len(dst) != s.n {
		panic("sim: dst length mismatch")
	}
	s.control()
	if s.sinceTick == 0 {
		s.fatigue()
	}
	if s.sinceTick++; s.sinceTick == s.tick {
		s.sinceTick = 0
	}
	var ms, mc float64
	if s.mainsStep != 0 {
		ms, mc = math.Sincos(s.phase)
		if s.phase += s.mainsStep; s.phase >= 2*math.Pi {
			s.phase -= 2 * math.Pi
		}
	}
	alpha := s.envAlpha
	for c := range dst {
		ch := &s.ch[c]
		ch.env1 += alpha * (ch.target - ch.env1)
		ch.env2 += alpha * (ch.env1 - ch.env2)
		x := s.rng.NormFloat64() * ch.inScale
		x = ch.bp.step(&ch.sBP1, x)
		x = ch.bp.step(&ch.sBP2, x)
		x = s.hp.step(&ch.sHP, x)
		x = s.lp1.step(&ch.sLP1, x)
		x = s.lp2.step(&ch.sLP2, x)
		v := s.gain[c]*ch.env2*x + s.mainsCos[c]*mc + s.mainsSin[c]*ms
		if s.noiseUV != 0 {
			v += s.noiseUV * s.rng.NormFloat64()
		}
		dst[c] = v
	}
}
