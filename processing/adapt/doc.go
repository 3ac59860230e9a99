// Package adapt adapts a gesture classifier to an individual: a
// cross-patient LDA trained on other people's recordings is moved toward a
// new patient's statistics from a short calibration, and kept moving during
// use by unsupervised updates from confident decisions.
//
// The LDA is described by its sufficient statistics (Stats: class priors,
// class means and pooled within-class covariance in feature units, and the
// Ledoit–Wolf shrinkage intensity). Fit computes them from labelled
// feature rows; NewLDA turns them into a classifier that decides exactly as
// classify.TrainLDA on the same rows (standardisation, shrinkage toward a
// scaled identity in standardised space, class-frequency priors). Mix forms
// the adapted statistics as convex combinations of a base and a patient set,
//
//	μ_c = (1−α)·μ_c^base + α·μ_c^patient,  π_c likewise with α,
//	Σ   = (1−β)·Σ^base   + β·Σ^patient,    λ likewise with β,
//
// the covariate-shift adaptation of Vidovic et al. (IEEE TNSRE 24(9), 2016),
// i.e. a MAP estimate with the base model as prior: α = β = 0 is the base
// model and α = β = 1 the patient-only model, exactly.
//
// Online adapts an LDA during use: each window whose top class probability
// reaches a threshold moves that class's mean toward the window (a running
// mean with a pseudo-count for the starting mean, optionally capped for
// exponential forgetting) and refreshes that class's discriminant, in
// O(d²) operations and without allocating. Study runs the whole
// leave-one-participant-out protocol (base, calibration-only, adapted,
// adapted + online, full patient model) with the adaptation weights and
// online settings chosen by an inner leave-one-participant-out on the
// other participants only.
package adapt
