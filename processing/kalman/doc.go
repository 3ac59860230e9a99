// Package kalman smooths slowly varying EMG quantities, such as RMS or
// linear envelopes and classifier decision outputs (probabilities,
// proportional control values), with a scalar Kalman filter per channel.
//
// Two state models are offered. RandomWalk tracks a level x that changes by
// white noise of variance Q per sample; ConstantVelocity tracks a level and
// its rate of change (per sample), the rate changing by white noise. Each
// measurement is the level plus white noise of variance R. Q and R are in
// signal units squared (µV² for envelopes, unitless² for probabilities), so
// their ratio sets the smoothing: the larger R/Q, the smoother and the
// slower. For the random walk the filter settles to an exponential moving
// average with gain SteadyStateGain(Q, R).
//
// Filter is the streaming form (Update per sample, Filter per slice) and
// Bank filters every channel of an acquisition.Block as a processing Stage;
// neither allocates. Filter.Smooth is the offline Rauch–Tung–Striebel
// smoother (forward filter then backward pass) for whole recordings, which
// has no lag.
package kalman
