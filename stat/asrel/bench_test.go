package asrel

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
)

// benchRels is a random topology of 500,000 links over 75,000 ASes, in
// CAIDA serial-1 form, and its parsed Relationships.
var benchRels = sync.OnceValues(func() ([]byte, *Relationships) {
	rng := rand.New(rand.NewPCG(3, 4))
	var b bytes.Buffer
	seen := map[[2]uint32]bool{}
	for len(seen) < 500_000 {
		a, c := uint32(1+rng.IntN(75_000)), uint32(1+rng.IntN(75_000))
		if a == c || seen[[2]uint32{min(a, c), max(a, c)}] {
			continue
		}
		seen[[2]uint32{min(a, c), max(a, c)}] = true
		rel := -1
		if rng.IntN(3) == 0 {
			rel = 0
		}
		fmt.Fprintf(&b, "%d|%d|%d\n", a, c, rel)
	}
	r, err := Parse(bytes.NewReader(b.Bytes()), "bench")
	if err != nil {
		panic(err)
	}
	return b.Bytes(), r
})

// BenchmarkCheck checks a six-hop path with prepending, valley-free, on
// the fixture topology.
func BenchmarkCheck(b *testing.B) {
	r := topology(b)
	path := []uint32{200, 20, 2, 2, 1, 10, 100, 1000, 1000}
	b.ReportAllocs()
	for b.Loop() {
		if r.Check(path).Found {
			b.Fatal("leak")
		}
	}
}

// BenchmarkRel looks up random pairs among 500,000 links.
func BenchmarkRel(b *testing.B) {
	_, r := benchRels()
	rng := rand.New(rand.NewPCG(5, 6))
	pairs := make([][2]uint32, 1<<12)
	for i := range pairs {
		pairs[i] = [2]uint32{uint32(1 + rng.IntN(75_000)), uint32(1 + rng.IntN(75_000))}
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		p := pairs[i&(len(pairs)-1)]
		_ = r.Rel(p[0], p[1])
		i++
	}
}

// BenchmarkParse parses 500,000 links.
func BenchmarkParse(b *testing.B) {
	in, _ := benchRels()
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(bytes.NewReader(in), "bench"); err != nil {
			b.Fatal(err)
		}
	}
}
