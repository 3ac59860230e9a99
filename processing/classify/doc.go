// Package classify trains and runs MyoRehab's gesture classifiers: LDA with
// shrinkage, regularised QDA, k-nearest neighbours, linear and RBF support
// vector machines, a random forest, a multilayer perceptron and a small 1-D
// convolutional network over raw multichannel windows.
//
// Every trainer (TrainLDA, TrainQDA, …, or Train by Kind) takes a feature
// matrix X as rows (n samples × d features, in the callers' raw units: the
// model standardises internally) and labels y in [0, K), and returns a Model.
// A Model predicts a class and, optionally, its class probabilities without
// allocating (scratch lives inside the model, so one Model serves one
// goroutine), and serialises to a versioned little-endian binary format
// (Marshal/Unmarshal) so that storage can keep it. Training is deterministic
// given the configuration's Seed (math/rand/v2 PCG): the same data and seed
// give byte-identical models.
//
// Post-processing (Reject, Vote) turns per-window decisions into stable
// ones; each step states the delay it adds.
//
// Models that are standardisation followed by dense layers (LDA, linear
// SVM, MLP) expose that computation as a Network, which package quant turns
// into an INT8 model.
package classify
