package synth

import (
	"math"
	"math/bits"
)

// rng is xoshiro256** seeded through splitmix64. The package uses its own
// generator (rather than math/rand/v2, whose derived methods may change
// between Go releases) so that the data stays byte-identical across releases.
type rng struct{ s [4]uint64 }

// mix64 is the splitmix64 finaliser: a bijective, well-mixed hash of x.
func mix64(x uint64) uint64 {
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// newRNG returns a generator whose stream is a function of keys (in order).
func newRNG(keys ...uint64) *rng {
	x := uint64(0x5851f42d4c957f2d)
	for _, k := range keys {
		x = mix64(x ^ mix64(k+0x9e3779b97f4a7c15))
	}
	var r rng
	for i := range r.s {
		x += 0x9e3779b97f4a7c15
		r.s[i] = mix64(x)
	}
	return &r
}

// fnv64a hashes a category name into an RNG key.
func fnv64a(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

func (r *rng) Uint64() uint64 {
	s := &r.s
	result := bits.RotateLeft64(s[1]*5, 7) * 9
	t := s[1] << 17
	s[2] ^= s[0]
	s[3] ^= s[1]
	s[1] ^= s[2]
	s[0] ^= s[3]
	s[2] ^= t
	s[3] = bits.RotateLeft64(s[3], 45)
	return result
}

// Float64 returns a uniform value in [0, 1) with 53 random bits.
func (r *rng) Float64() float64 {
	return float64(r.Uint64()>>11) * (1.0 / (1 << 53))
}

// Range returns a uniform value in [lo, hi).
func (r *rng) Range(lo, hi float64) float64 {
	return lo + (hi-lo)*r.Float64()
}

// IntN returns a value in [0, n) for n > 0 (multiply-shift; the bias, below
// n/2^64, is irrelevant here).
func (r *rng) IntN(n int) int {
	hi, _ := bits.Mul64(r.Uint64(), uint64(n))
	return int(hi)
}

// UnitVec returns a uniformly distributed direction, by rejection sampling in
// the unit disc (no trigonometry, so results do not depend on math library
// implementations).
func (r *rng) UnitVec() (x, y float64) {
	for {
		x = 2*r.Float64() - 1
		y = 2*r.Float64() - 1
		d := x*x + y*y
		if d > 1e-4 && d <= 1 {
			n := math.Sqrt(d)
			return x / n, y / n
		}
	}
}
