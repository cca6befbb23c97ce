//go:build amd64 && !purego

#include "textflag.h"

// One 16-byte lane of a 64-byte block at off(SI): sets bits sh..sh+15 of
// R8 (quotes), R9 (backslashes), R10 ('{' and '['), R11 ('}' and ']').
// The brackets of a kind differ only in bit 0x20: OR-ing it in folds '['
// onto '{' and ']' onto '}'.
#define LANE(off, sh) \
	MOVOU off(SI), X0; \
	MOVO X0, X1; \
	PCMPEQB X8, X1; \
	PMOVMSKB X1, AX; \
	SHLQ $sh, AX; \
	ORQ AX, R8; \
	MOVO X0, X1; \
	PCMPEQB X9, X1; \
	PMOVMSKB X1, AX; \
	SHLQ $sh, AX; \
	ORQ AX, R9; \
	POR X10, X0; \
	MOVO X0, X1; \
	PCMPEQB X11, X1; \
	PMOVMSKB X1, AX; \
	SHLQ $sh, AX; \
	ORQ AX, R10; \
	PCMPEQB X12, X0; \
	PMOVMSKB X0, AX; \
	SHLQ $sh, AX; \
	ORQ AX, R11

// func blockMasksSSE2(p *byte, n int, out *[4]uint64)
TEXT ·blockMasksSSE2(SB), NOSPLIT, $0-24
	MOVQ p+0(FP), SI
	MOVQ n+8(FP), CX
	MOVQ out+16(FP), DI
	MOVQ $0x2222222222222222, AX
	MOVQ AX, X8
	PUNPCKLQDQ X8, X8
	MOVQ $0x5c5c5c5c5c5c5c5c, AX
	MOVQ AX, X9
	PUNPCKLQDQ X9, X9
	MOVQ $0x2020202020202020, AX
	MOVQ AX, X10
	PUNPCKLQDQ X10, X10
	MOVQ $0x7b7b7b7b7b7b7b7b, AX
	MOVQ AX, X11
	PUNPCKLQDQ X11, X11
	MOVQ $0x7d7d7d7d7d7d7d7d, AX
	MOVQ AX, X12
	PUNPCKLQDQ X12, X12
	TESTQ CX, CX
	JLE done

loop:
	XORQ R8, R8
	XORQ R9, R9
	XORQ R10, R10
	XORQ R11, R11
	LANE(0, 0)
	LANE(16, 16)
	LANE(32, 32)
	LANE(48, 48)
	MOVQ R8, 0(DI)
	MOVQ R9, 8(DI)
	MOVQ R10, 16(DI)
	MOVQ R11, 24(DI)
	ADDQ $64, SI
	ADDQ $32, DI
	DECQ CX
	JNZ loop

done:
	RET

#define BCAST(k, X) \
	MOVBQZX k(BX), AX; \
	IMULQ DX, AX; \
	MOVQ AX, X; \
	PUNPCKLQDQ X, X

// Bits sh..sh+15 of R8: the bytes of the lane at off(SI) equal to one of
// the anchors broadcast in X8-X15.
#define ALANE(off, sh) \
	MOVOU off(SI), X0; \
	MOVO X0, X1; \
	PCMPEQB X8, X1; \
	MOVO X0, X2; \
	PCMPEQB X9, X2; \
	POR X2, X1; \
	MOVO X0, X2; \
	PCMPEQB X10, X2; \
	POR X2, X1; \
	MOVO X0, X2; \
	PCMPEQB X11, X2; \
	POR X2, X1; \
	MOVO X0, X2; \
	PCMPEQB X12, X2; \
	POR X2, X1; \
	MOVO X0, X2; \
	PCMPEQB X13, X2; \
	POR X2, X1; \
	MOVO X0, X2; \
	PCMPEQB X14, X2; \
	POR X2, X1; \
	PCMPEQB X15, X0; \
	POR X0, X1; \
	PMOVMSKB X1, AX; \
	SHLQ $sh, AX; \
	ORQ AX, R8

// func anchorMasksSSE2(p *byte, n int, anchors *[8]byte, out *uint64)
TEXT ·anchorMasksSSE2(SB), NOSPLIT, $0-32
	MOVQ p+0(FP), SI
	MOVQ n+8(FP), CX
	MOVQ anchors+16(FP), BX
	MOVQ out+24(FP), DI
	MOVQ $0x0101010101010101, DX
	BCAST(0, X8)
	BCAST(1, X9)
	BCAST(2, X10)
	BCAST(3, X11)
	BCAST(4, X12)
	BCAST(5, X13)
	BCAST(6, X14)
	BCAST(7, X15)
	TESTQ CX, CX
	JLE adone

aloop:
	XORQ R8, R8
	ALANE(0, 0)
	ALANE(16, 16)
	ALANE(32, 32)
	ALANE(48, 48)
	MOVQ R8, 0(DI)
	ADDQ $64, SI
	ADDQ $8, DI
	DECQ CX
	JNZ aloop

adone:
	RET

// func cpuAVX2() bool: the CPU has AVX2 and the OS saves the YMM registers.
TEXT ·cpuAVX2(SB), NOSPLIT, $0-1
	MOVB $0, ret+0(FP)
	XORL AX, AX
	CPUID
	CMPL AX, $7
	JB   nope
	MOVL $1, AX
	XORL CX, CX
	CPUID
	MOVL CX, BX
	ANDL $0x18000000, BX // OSXSAVE (bit 27) and AVX (bit 28)
	CMPL BX, $0x18000000
	JNE  nope
	XORL CX, CX
	XGETBV
	ANDL $6, AX // XMM and YMM state
	CMPL AX, $6
	JNE  nope
	MOVL $7, AX
	XORL CX, CX
	CPUID
	BTL  $5, BX // AVX2
	JCC  nope
	MOVB $1, ret+0(FP)

nope:
	RET

// One 32-byte lane for blockMasksAVX2: as LANE.
#define YLANE(off, sh) \
	VMOVDQU off(SI), Y0; \
	VPCMPEQB Y8, Y0, Y1; \
	VPMOVMSKB Y1, AX; \
	SHLQ $sh, AX; \
	ORQ AX, R8; \
	VPCMPEQB Y9, Y0, Y1; \
	VPMOVMSKB Y1, AX; \
	SHLQ $sh, AX; \
	ORQ AX, R9; \
	VPOR Y10, Y0, Y0; \
	VPCMPEQB Y11, Y0, Y1; \
	VPMOVMSKB Y1, AX; \
	SHLQ $sh, AX; \
	ORQ AX, R10; \
	VPCMPEQB Y12, Y0, Y1; \
	VPMOVMSKB Y1, AX; \
	SHLQ $sh, AX; \
	ORQ AX, R11

#define YBCAST(c, Y) \
	MOVQ $c, AX; \
	VMOVQ AX, X0; \
	VPBROADCASTB X0, Y

// func blockMasksAVX2(p *byte, n int, out *[4]uint64)
TEXT ·blockMasksAVX2(SB), NOSPLIT, $0-24
	MOVQ p+0(FP), SI
	MOVQ n+8(FP), CX
	MOVQ out+16(FP), DI
	YBCAST(0x22, Y8)
	YBCAST(0x5c, Y9)
	YBCAST(0x20, Y10)
	YBCAST(0x7b, Y11)
	YBCAST(0x7d, Y12)
	TESTQ CX, CX
	JLE ydone

yloop:
	XORQ R8, R8
	XORQ R9, R9
	XORQ R10, R10
	XORQ R11, R11
	YLANE(0, 0)
	YLANE(32, 32)
	MOVQ R8, 0(DI)
	MOVQ R9, 8(DI)
	MOVQ R10, 16(DI)
	MOVQ R11, 24(DI)
	ADDQ $64, SI
	ADDQ $32, DI
	DECQ CX
	JNZ yloop

ydone:
	VZEROUPPER
	RET

#define YABCAST(k, Y) \
	VPBROADCASTB k(BX), Y

// One 32-byte lane for anchorMasksAVX2: as ALANE.
#define YALANE(off, sh) \
	VMOVDQU off(SI), Y0; \
	VPCMPEQB Y8, Y0, Y1; \
	VPCMPEQB Y9, Y0, Y2; \
	VPOR Y2, Y1, Y1; \
	VPCMPEQB Y10, Y0, Y2; \
	VPOR Y2, Y1, Y1; \
	VPCMPEQB Y11, Y0, Y2; \
	VPOR Y2, Y1, Y1; \
	VPCMPEQB Y12, Y0, Y2; \
	VPOR Y2, Y1, Y1; \
	VPCMPEQB Y13, Y0, Y2; \
	VPOR Y2, Y1, Y1; \
	VPCMPEQB Y14, Y0, Y2; \
	VPOR Y2, Y1, Y1; \
	VPCMPEQB Y15, Y0, Y2; \
	VPOR Y2, Y1, Y1; \
	VPMOVMSKB Y1, AX; \
	SHLQ $sh, AX; \
	ORQ AX, R8

// func anchorMasksAVX2(p *byte, n int, anchors *[8]byte, out *uint64)
TEXT ·anchorMasksAVX2(SB), NOSPLIT, $0-32
	MOVQ p+0(FP), SI
	MOVQ n+8(FP), CX
	MOVQ anchors+16(FP), BX
	MOVQ out+24(FP), DI
	YABCAST(0, Y8)
	YABCAST(1, Y9)
	YABCAST(2, Y10)
	YABCAST(3, Y11)
	YABCAST(4, Y12)
	YABCAST(5, Y13)
	YABCAST(6, Y14)
	YABCAST(7, Y15)
	TESTQ CX, CX
	JLE yadone

yaloop:
	XORQ R8, R8
	YALANE(0, 0)
	YALANE(32, 32)
	MOVQ R8, 0(DI)
	ADDQ $64, SI
	ADDQ $8, DI
	DECQ CX
	JNZ yaloop

yadone:
	VZEROUPPER
	RET
