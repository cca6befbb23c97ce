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

// func cpuAVX2() bool: the CPU has AVX2, POPCNT and PCLMULQDQ, and the OS
// saves the YMM registers.
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
	ANDL $0x18800002, BX // PCLMULQDQ (bit 1), POPCNT (23), OSXSAVE (27), AVX (28)
	CMPL BX, $0x18800002
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

#define YBCAST(c, Y) \
	MOVQ $c, AX; \
	VMOVQ AX, X0; \
	VPBROADCASTB X0, Y

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

// Constants for walkBlocksAVX2 that do not fit in registers.
DATA wclose<>+0(SB)/8, $0x7d7d7d7d7d7d7d7d
DATA wclose<>+8(SB)/8, $0x7d7d7d7d7d7d7d7d
DATA wclose<>+16(SB)/8, $0x7d7d7d7d7d7d7d7d
DATA wclose<>+24(SB)/8, $0x7d7d7d7d7d7d7d7d
GLOBL wclose<>(SB), RODATA|NOPTR, $32
DATA wones<>+0(SB)/8, $-1
DATA wones<>+8(SB)/8, $-1
GLOBL wones<>(SB), RODATA|NOPTR, $16

// Both halves of one mask for walkBlocksAVX2: bit j of dst for byte j of
// the block whose halves are in Y0 and Y1, where they equal cmp (Y2, Y3
// and AX are scratch).
#define WMASK(cmp, dst) \
	VPCMPEQB cmp, Y0, Y2; \
	VPMOVMSKB Y2, dst; \
	VPCMPEQB cmp, Y1, Y3; \
	VPMOVMSKB Y3, AX; \
	SHLQ $32, AX; \
	ORQ AX, dst

// The bytes of the 32 at Y that do not start an anchor pair, as 0xff in
// Y2 (Y3 is scratch): the table of a byte's low nibble and that of its
// high nibble share the bit of group g exactly when the byte is g's
// anchor (Y13, Y14), and those of the next byte (Ynext, the same bytes
// loaded one further) share it when it may follow g's anchor in one of
// g's needles (Y11, Y12). Y15 holds 0x0f in every byte, Y10 zero.
#define WNOTPAIR(Y, Ynext) \
	VPAND Y15, Y, Y2; \
	VPSHUFB Y2, Y13, Y2; \
	VPSRLW $4, Y, Y3; \
	VPAND Y15, Y3, Y3; \
	VPSHUFB Y3, Y14, Y3; \
	VPAND Y3, Y2, Y2; \
	VPAND Y15, Ynext, Y3; \
	VPSHUFB Y3, Y11, Y3; \
	VPAND Y3, Y2, Y2; \
	VPSRLW $4, Ynext, Y3; \
	VPAND Y15, Y3, Y3; \
	VPSHUFB Y3, Y12, Y3; \
	VPAND Y3, Y2, Y2; \
	VPCMPEQB Y10, Y2, Y2

// func walkBlocksAVX2(p *byte, n int, nib *nibbles, st *walkState, an *uint64) (k, end int)
//
// walkBlocksGo in assembly: one load of each 64-byte block (and one of the
// same bytes shifted by one, for the anchor pairs) gives its quotes,
// backslashes, brackets and anchors; the string state is the prefix XOR of
// the quotes (a carry-less multiply by all ones). It reads the byte after
// the last block.
TEXT ·walkBlocksAVX2(SB), NOSPLIT, $0-56
	MOVQ p+0(FP), SI
	MOVQ n+8(FP), BX
	MOVQ nib+16(FP), DX
	MOVQ an+32(FP), DI
	VBROADCASTI128 0(DX), Y13
	VBROADCASTI128 16(DX), Y14
	VBROADCASTI128 32(DX), Y11
	VBROADCASTI128 48(DX), Y12
	YBCAST(0x22, Y7)
	YBCAST(0x5c, Y8)
	YBCAST(0x20, Y9)
	YBCAST(0x7b, Y6)
	YBCAST(0x0f, Y15)
	VPXOR Y10, Y10, Y10
	MOVQ st+24(FP), DX
	MOVQ 0(DX), R12    // depth
	MOVBQZX 8(DX), R13 // inStr
	NEGQ R13           // all ones inside a string
	MOVBQZX 9(DX), R11 // esc: stops at the first block
	MOVQ R11, end+48(FP)
	XORQ CX, CX
	CMPQ CX, BX
	JGE  wdone

wloop:
	// The bytes 1 KiB ahead (a hint: never a fault past the end). A
	// record's walk is short, and a whole decompressed input (the
	// libdeflate build) is read back from beyond the L2 cache.
	PREFETCHT0 1024(SI)
	VMOVDQU 0(SI), Y0
	VMOVDQU 32(SI), Y1
	VMOVDQU 1(SI), Y4
	VMOVDQU 33(SI), Y5

	// Anchors first: every block walked or stopped at has its mask.
	WNOTPAIR(Y0, Y4)
	VPMOVMSKB Y2, R8
	WNOTPAIR(Y1, Y5)
	VPMOVMSKB Y2, AX
	SHLQ $32, AX
	ORQ  AX, R8
	NOTQ R8
	MOVQ R8, (DI)(CX*8)

	WMASK(Y8, R9)        // backslashes
	ORQ  end+48(FP), R9  // or an escape pending at the first block
	MOVQ $0, end+48(FP)
	TESTQ R9, R9
	JNZ  wstop

	WMASK(Y7, R8)  // quotes
	VPOR Y9, Y0, Y0 // '[' onto '{', ']' onto '}'
	VPOR Y9, Y1, Y1
	WMASK(Y6, R10) // opening brackets
	WMASK(wclose<>(SB), R11) // closing brackets

	VMOVQ R8, X2
	VPCLMULQDQ $0, wones<>(SB), X2, X2
	VMOVQ X2, AX
	XORQ R13, AX // bit j: byte j is inside a string (or its closing quote)
	MOVQ AX, R13
	SARQ $63, R13
	NOTQ AX
	ANDQ AX, R10
	ANDQ AX, R11
	POPCNTQ R11, DX
	CMPQ DX, R12
	JGE  wvisit
	POPCNTQ R10, AX
	ADDQ AX, R12
	SUBQ DX, R12

wnext:
	ADDQ $64, SI
	INCQ CX
	CMPQ CX, BX
	JLT  wloop

wdone:
	MOVQ $0, end+48(FP)

wstop:
	MOVQ CX, k+40(FP)
	MOVQ st+24(FP), DX
	MOVQ R12, 0(DX)
	ANDQ $1, R13
	MOVB R13, 8(DX)
	VZEROUPPER
	RET

	// The block may close the container: its brackets one by one.
wvisit:
	MOVQ R10, AX
	ORQ  R11, AX

wvloop:
	TESTQ AX, AX
	JZ   wnext
	MOVQ AX, DX
	NEGQ DX
	ANDQ AX, DX // the first bracket left
	XORQ DX, AX
	TESTQ DX, R10
	JZ   wcloser
	INCQ R12
	JMP  wvloop

wcloser:
	DECQ R12
	JNZ  wvloop
	BSFQ DX, DX
	INCQ DX
	MOVQ DX, end+48(FP)
	JMP  wstop

// func cpuAVX512() bool: the CPU has AVX-512 F and BW, and the OS saves
// the opmask and ZMM registers.
TEXT ·cpuAVX512(SB), NOSPLIT, $0-1
	MOVB $0, ret+0(FP)
	XORL AX, AX
	CPUID
	CMPL AX, $7
	JB   nope512
	MOVL $1, AX
	XORL CX, CX
	CPUID
	BTL  $27, CX // OSXSAVE
	JCC  nope512
	XORL CX, CX
	XGETBV
	ANDL $0xe6, AX // XMM, YMM, opmask, ZMM_Hi256, Hi16_ZMM state
	CMPL AX, $0xe6
	JNE  nope512
	MOVL $7, AX
	XORL CX, CX
	CPUID
	ANDL $0x40010000, BX // AVX512F (bit 16), AVX512BW (bit 30)
	CMPL BX, $0x40010000
	JNE  nope512
	MOVB $1, ret+0(FP)

nope512:
	RET

// The nibble tables of the bytes in Z (and Znext, the same bytes loaded
// one further) for walkBlocksAVX512, as WNOTPAIR: K1 gets the anchor pairs.
#define ZPAIR(Z, Znext) \
	VPANDQ Z15, Z, Z2; \
	VPSHUFB Z2, Z13, Z2; \
	VPSRLW $4, Z, Z3; \
	VPANDQ Z15, Z3, Z3; \
	VPSHUFB Z3, Z14, Z3; \
	VPANDQ Z3, Z2, Z2; \
	VPANDQ Z15, Znext, Z3; \
	VPSHUFB Z3, Z11, Z3; \
	VPANDQ Z3, Z2, Z2; \
	VPSRLW $4, Znext, Z3; \
	VPANDQ Z15, Z3, Z3; \
	VPSHUFB Z3, Z12, Z3; \
	VPTESTMB Z3, Z2, K1

// func walkBlocksAVX512(p *byte, n int, nib *nibbles, st *walkState, an *uint64) (k, end int)
//
// walkBlocksAVX2 with 64-byte vectors: one compare per kind and block,
// straight into a mask register.
TEXT ·walkBlocksAVX512(SB), NOSPLIT, $0-56
	MOVQ p+0(FP), SI
	MOVQ n+8(FP), BX
	MOVQ nib+16(FP), DX
	MOVQ an+32(FP), DI
	VBROADCASTI32X4 0(DX), Z13
	VBROADCASTI32X4 16(DX), Z14
	VBROADCASTI32X4 32(DX), Z11
	VBROADCASTI32X4 48(DX), Z12
	MOVL $0x22, AX
	VPBROADCASTB AX, Z7
	MOVL $0x5c, AX
	VPBROADCASTB AX, Z8
	MOVL $0x20, AX
	VPBROADCASTB AX, Z9
	MOVL $0x7b, AX
	VPBROADCASTB AX, Z6
	MOVL $0x7d, AX
	VPBROADCASTB AX, Z10
	MOVL $0x0f, AX
	VPBROADCASTB AX, Z15
	MOVQ st+24(FP), DX
	MOVQ 0(DX), R12    // depth
	MOVBQZX 8(DX), R13 // inStr
	NEGQ R13           // all ones inside a string
	MOVBQZX 9(DX), R11 // esc: stops at the first block
	MOVQ R11, end+48(FP)
	XORQ CX, CX
	CMPQ CX, BX
	JGE  zdone

zloop:
	PREFETCHT0 1024(SI) // as in walkBlocksAVX2
	VMOVDQU64 0(SI), Z0
	VMOVDQU64 1(SI), Z1
	ZPAIR(Z0, Z1)
	KMOVQ K1, R8
	MOVQ R8, (DI)(CX*8)

	VPCMPEQB Z8, Z0, K2 // backslashes
	KMOVQ K2, R9
	ORQ  end+48(FP), R9 // or an escape pending at the first block
	MOVQ $0, end+48(FP)
	TESTQ R9, R9
	JNZ  zstop

	VPCMPEQB Z7, Z0, K1 // quotes
	KMOVQ K1, R8
	VPORQ Z9, Z0, Z0    // '[' onto '{', ']' onto '}'
	VPCMPEQB Z6, Z0, K2 // opening brackets
	KMOVQ K2, R10
	VPCMPEQB Z10, Z0, K3 // closing brackets
	KMOVQ K3, R11

	VMOVQ R8, X2
	VPCLMULQDQ $0, wones<>(SB), X2, X2
	VMOVQ X2, AX
	XORQ R13, AX // bit j: byte j is inside a string (or its closing quote)
	MOVQ AX, R13
	SARQ $63, R13
	NOTQ AX
	ANDQ AX, R10
	ANDQ AX, R11
	POPCNTQ R11, DX
	CMPQ DX, R12
	JGE  zvisit
	POPCNTQ R10, AX
	ADDQ AX, R12
	SUBQ DX, R12

znext:
	ADDQ $64, SI
	INCQ CX
	CMPQ CX, BX
	JLT  zloop

zdone:
	MOVQ $0, end+48(FP)

zstop:
	MOVQ CX, k+40(FP)
	MOVQ st+24(FP), DX
	MOVQ R12, 0(DX)
	ANDQ $1, R13
	MOVB R13, 8(DX)
	VZEROUPPER
	RET

zvisit:
	MOVQ R10, AX
	ORQ  R11, AX

zvloop:
	TESTQ AX, AX
	JZ   znext
	MOVQ AX, DX
	NEGQ DX
	ANDQ AX, DX // the first bracket left
	XORQ DX, AX
	TESTQ DX, R10
	JZ   zcloser
	INCQ R12
	JMP  zvloop

zcloser:
	DECQ R12
	JNZ  zvloop
	BSFQ DX, DX
	INCQ DX
	MOVQ DX, end+48(FP)
	JMP  zstop
