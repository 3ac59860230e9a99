// Package wavelet implements the orthogonal discrete wavelet transform with
// PyWavelets' conventions: Daubechies db1 (haar) … db8, symlets sym2 … sym8
// and coiflets coif1 … coif5 with PyWavelets 1.1's exact coefficients,
// single-level DWT/IDWT and multilevel wavedec/waverec with 'symmetric'
// (half-sample mirror) extension, and wavelet-shrinkage denoising
// (universal and SureShrink thresholds, soft or hard).
//
// Transform and Denoiser are preallocated for a fixed input length and do
// not allocate per call, so they can run per window on the real-time path.
// Values keep the unit of the input (µV for acquisition blocks).
package wavelet
