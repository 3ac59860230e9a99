//go:build !purego

#include "textflag.h"

// BLOCK processes the four samples at off(SI), x[n] … x[n+3] (x[n−2] and
// x[n−1] readable before them), into the accumulators a (Σ|x|), w (Σ|Δx|),
// z (zero crossings) and s (slope sign changes):
//
//	c = x[n…n+3], p = x[n−1…n+2], dp = p − x[n−2…n+1], d = c − p
//	z −= (p·c < 0), s −= (dp·d ≤ t), a += |c|, w += |d|
//
// A true comparison is an all-ones lane (−1), hence the subtractions. The
// predicates LT_OQ (0x11) and LE_OQ (0x12) are false on NaN, as Go's < and
// ≤. Y13 = 0, Y14 = t in every lane, Y15 = 0x7fff… (clears the sign bit);
// Y8 … Y11 are scratch.
#define BLOCK(off, a, w, z, s) \
	VMOVUPD off(SI), Y8 \
	VMOVUPD off-8(SI), Y9 \
	VSUBPD  off-16(SI), Y9, Y10 \
	VSUBPD  Y9, Y8, Y11 \
	VMULPD  Y8, Y9, Y9 \
	VMULPD  Y11, Y10, Y10 \
	VCMPPD  $0x11, Y13, Y9, Y9 \
	VCMPPD  $0x12, Y14, Y10, Y10 \
	VPSUBQ  Y9, z, z \
	VPSUBQ  Y10, s, s \
	VANDPD  Y15, Y8, Y8 \
	VANDPD  Y15, Y11, Y11 \
	VADDPD  Y8, a, a \
	VADDPD  Y11, w, w

// func basicAVX2(x []float64, t float64) (sumAbs, wl float64, zc, ssc int)
TEXT ·basicAVX2(SB), NOSPLIT, $0-64
	MOVQ x_base+0(FP), SI
	MOVQ x_len+8(FP), CX
	SUBQ $2, CX
	SHRQ $2, CX          // blocks of 4 samples
	ADDQ $16, SI         // &x[2]
	VBROADCASTSD t+24(FP), Y14
	VPCMPEQQ Y15, Y15, Y15
	VPSRLQ $1, Y15, Y15  // 0x7fffffffffffffff: clears the sign bit
	VXORPD Y13, Y13, Y13
	VXORPD Y0, Y0, Y0    // Y0…Y3: a, w, z, s of even blocks
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	VXORPD Y4, Y4, Y4    // Y4…Y7: of odd blocks
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7

loop:
	CMPQ CX, $2
	JB   last
	BLOCK(0, Y0, Y1, Y2, Y3)
	BLOCK(32, Y4, Y5, Y6, Y7)
	ADDQ $64, SI
	SUBQ $2, CX
	JMP  loop

last:
	TESTQ CX, CX
	JZ    reduce
	BLOCK(0, Y0, Y1, Y2, Y3)

reduce:
	VADDPD Y4, Y0, Y0
	VADDPD Y5, Y1, Y1
	VPADDQ Y6, Y2, Y2
	VPADDQ Y7, Y3, Y3
	VEXTRACTF128 $1, Y0, X8
	VADDPD X8, X0, X0
	VUNPCKHPD X0, X0, X8
	VADDSD X8, X0, X0
	VMOVSD X0, sumAbs+32(FP)
	VEXTRACTF128 $1, Y1, X8
	VADDPD X8, X1, X1
	VUNPCKHPD X1, X1, X8
	VADDSD X8, X1, X1
	VMOVSD X1, wl+40(FP)
	VEXTRACTI128 $1, Y2, X8
	VPADDQ X8, X2, X2
	VPSHUFD $0x4e, X2, X8
	VPADDQ X8, X2, X2
	VMOVQ X2, zc+48(FP)
	VEXTRACTI128 $1, Y3, X8
	VPADDQ X8, X3, X3
	VPSHUFD $0x4e, X3, X8
	VPADDQ X8, X3, X3
	VMOVQ X3, ssc+56(FP)
	VZEROUPPER
	RET
