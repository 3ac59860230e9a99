// Package quant compresses classify models for the real-time path: INT8
// post-training quantization with integer-only inference, magnitude
// pruning with a fine-tuning hook, and knowledge distillation into a small
// MLP.
//
// Quantize turns a classify.Network (LDA, linear SVM, MLP) into a Model:
// weights are int8, symmetric per output channel (scale = max|w|/127);
// activations are int8 with a scale and zero point calibrated from the
// range seen on a calibration set; each layer accumulates int8×int8
// products in int32, adds an int32 bias, and requantises to the next layer
// with a fixed-point multiplier (int32 mantissa, right shift) and a ReLU
// clamp. The only floating-point operations are the input quantisation
// (one multiply-add per feature, which also folds the standardisation) and
// the output dequantisation (one multiply per class).
package quant
