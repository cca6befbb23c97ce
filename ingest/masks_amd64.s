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

// func blockMasksAsm(p *byte, n int, out *[4]uint64)
TEXT ·blockMasksAsm(SB), NOSPLIT, $0-24
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

// func anchorMasksAsm(p *byte, n int, anchors *[8]byte, out *uint64)
TEXT ·anchorMasksAsm(SB), NOSPLIT, $0-32
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
