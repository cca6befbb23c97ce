package synth

import (
	"encoding/base64"
	"math/rand/v2"
	"time"
)

// rnd is the generator's only source of randomness: a PCG stream seeded from
// Config.Seed, so the same Config always gives the same bytes.
type rnd struct{ r *rand.Rand }

func newRnd(seed int64, stream uint64) rnd {
	return rnd{rand.New(rand.NewPCG(uint64(seed), stream))}
}

func (r rnd) intn(n int) int         { return r.r.IntN(n) }
func (r rnd) chance(p float64) bool  { return r.r.Float64() < p }
func (r rnd) between(lo, hi int) int { return lo + r.r.IntN(hi-lo+1) }
func pick[T any](r rnd, s []T) T     { return s[r.r.IntN(len(s))] }
func (r rnd) dur(lo, hi time.Duration) time.Duration {
	return lo + time.Duration(r.r.Int64N(int64(hi-lo)/int64(time.Second)+1))*time.Second
}

const (
	upperAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	mixedAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	lowerAlnum = "abcdefghijklmnopqrstuvwxyz0123456789"
	hexDigits  = "0123456789abcdef"
)

// chars returns n characters drawn from alphabet.
func (r rnd) chars(n int, alphabet string) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.r.IntN(len(alphabet))]
	}
	return string(b)
}

// uuid returns a random version 4 UUID, as AWS uses for eventID and most
// requestIDs.
func (r rnd) uuid() string {
	var b [36]byte
	hi, lo := r.r.Uint64(), r.r.Uint64()
	hi = hi&^(0xf<<12) | 4<<12         // version 4
	lo = lo&^(0x3<<62) | uint64(2)<<62 // RFC 4122 variant
	j := 0
	for i := range 32 {
		if i == 8 || i == 12 || i == 16 || i == 20 {
			b[j] = '-'
			j++
		}
		var nib uint64
		if i < 16 {
			nib = hi >> (60 - 4*i) & 0xf
		} else {
			nib = lo >> (60 - 4*(i-16)) & 0xf
		}
		b[j] = hexDigits[nib]
		j++
	}
	return string(b[:])
}

// appendAmzID2 appends an S3 extended request id (x-amz-id-2): base64 of
// 56 random bytes.
func (r rnd) appendAmzID2(dst []byte) []byte {
	var b [56]byte
	for i := 0; i < len(b); i += 8 {
		v := r.r.Uint64()
		for k := range 8 {
			b[i+k] = byte(v >> (8 * k))
		}
	}
	return base64.StdEncoding.AppendEncode(dst, b[:])
}
