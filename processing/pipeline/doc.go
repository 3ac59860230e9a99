// Package pipeline is the real-time chain over acquisition.Blocks.
//
// Live conditions the stream for display (filter, min/max envelopes, RMS,
// signal quality, fatigue trends) and publishes immutable Snapshots for
// the UI through an atomic pointer; it is owned by one goroutine and
// allocates only when it publishes (at most about 30 times a second),
// never per sample or per block.
//
// Decider is the recognition path: Block in → filter → per-channel ring →
// every Increment samples a window → features → model (float or INT8) →
// rejection threshold → majority vote → Decision carrying the class, its
// confidence, the proportional level (optionally Kalman-smoothed) and the
// latency terms TComp, TTrans and TSync. Process allocates nothing. Every
// post-processing step's added delay is known: the window (Window
// samples), the vote (VoteDelay, in decisions) and the level smoothing
// (LevelDelay, the step-response half-time of the settled random-walk
// Kalman filter, HalfTime, in decisions and in time).
package pipeline
