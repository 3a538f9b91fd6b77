package rpki

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"sync"
	"testing"
)

// lengths draws prefix lengths from a distribution shaped like the real
// VRP set: mostly /24s (IPv4) and /48s (IPv6).
type lengths []struct{ bits, weight int }

var (
	v4Lengths = lengths{{24, 55}, {23, 8}, {22, 12}, {21, 5}, {20, 5}, {19, 4}, {18, 3}, {17, 2}, {16, 4}, {14, 1}, {12, 1}}
	v6Lengths = lengths{{48, 45}, {32, 15}, {29, 5}, {36, 5}, {40, 8}, {44, 10}, {46, 2}, {47, 3}, {56, 3}, {64, 2}, {24, 2}}
)

func (l lengths) draw(rng *rand.Rand) int {
	total := 0
	for _, e := range l {
		total += e.weight
	}
	n := rng.IntN(total)
	for _, e := range l {
		if n < e.weight {
			return e.bits
		}
		n -= e.weight
	}
	panic("unreachable")
}

// randomVRPs generates n VRPs, 70% IPv4, a fifth of them more specifics
// of others (covering chains), with trust anchors and max lengths like
// the real ones.
func randomVRPs(rng *rand.Rand, n int) []VRP {
	tas := []string{"afrinic", "apnic", "arin", "lacnic", "ripe"}
	vrps := make([]VRP, 0, n)
	for len(vrps) < n {
		var p netip.Prefix
		if len(vrps) > 100 && rng.IntN(5) == 0 {
			// A more specific of an existing VRP.
			base := vrps[rng.IntN(len(vrps))].Prefix
			maxBits := 24
			if base.Addr().Is6() {
				maxBits = 48
			}
			if base.Bits() >= maxBits {
				continue
			}
			bits := base.Bits() + 1 + rng.IntN(maxBits-base.Bits())
			p = randomWithin(rng, base, bits)
		} else if rng.IntN(10) < 7 {
			a := netip.AddrFrom4([4]byte{byte(1 + rng.IntN(223)), byte(rng.IntN(256)), byte(rng.IntN(256)), byte(rng.IntN(256))})
			p = netip.PrefixFrom(a, v4Lengths.draw(rng)).Masked()
		} else {
			var b [16]byte
			b[0] = 0x20 | byte(rng.IntN(4))
			for i := 1; i < 8; i++ {
				b[i] = byte(rng.IntN(256))
			}
			p = netip.PrefixFrom(netip.AddrFrom16(b), v6Lengths.draw(rng)).Masked()
		}
		ml := p.Bits()
		if rng.IntN(10) < 3 {
			top := 24
			if p.Addr().Is6() {
				top = 48
			}
			ml = max(ml, top)
		}
		vrps = append(vrps, VRP{Prefix: p, MaxLength: uint8(ml), ASN: uint32(1 + rng.IntN(400000)), TA: tas[rng.IntN(len(tas))]})
	}
	return vrps
}

// randomWithin returns a random prefix of the given length inside base.
func randomWithin(rng *rand.Rand, base netip.Prefix, bits int) netip.Prefix {
	b := base.Addr().AsSlice()
	for i := range b {
		b[i] |= byte(rng.IntN(256)) & hostMask(base.Bits(), i)
	}
	a, _ := netip.AddrFromSlice(b)
	return netip.PrefixFrom(a, bits).Masked()
}

// hostMask returns the host bits of byte i of an address under a prefix
// of the given length.
func hostMask(bits, i int) byte {
	switch {
	case bits >= (i+1)*8:
		return 0
	case bits <= i*8:
		return 0xff
	}
	return 0xff >> (bits - i*8)
}

// benchData is a set of 500,000 VRPs and queries of each outcome.
type benchData struct {
	set                      *Set
	valid, invalid, notFound []query
}

type query struct {
	p      netip.Prefix
	origin uint32
}

var loadBench = sync.OnceValue(func() *benchData {
	rng := rand.New(rand.NewPCG(42, 1))
	vrps := randomVRPs(rng, 500_000)
	s, err := NewSet(vrps)
	if err != nil {
		panic(err)
	}
	d := &benchData{set: s}
	const nq = 1 << 14
	for len(d.valid) < nq || len(d.invalid) < nq || len(d.notFound) < nq {
		v := vrps[rng.IntN(len(vrps))]
		// A route of a random length the VRP allows, or one bit longer.
		bits := int(v.MaxLength)
		if bits > v.Prefix.Bits() {
			bits = v.Prefix.Bits() + rng.IntN(bits-v.Prefix.Bits()+1)
		}
		p := randomWithin(rng, v.Prefix, bits)
		if q := (query{p, v.ASN}); s.Validate(q.p, q.origin).State == Valid && len(d.valid) < nq {
			d.valid = append(d.valid, q)
		}
		if q := (query{p, v.ASN + 1}); s.Validate(q.p, q.origin).State == Invalid && len(d.invalid) < nq {
			d.invalid = append(d.invalid, q)
		}
		// Not found: random routes of the common lengths.
		var q query
		if rng.IntN(10) < 7 {
			a := netip.AddrFrom4([4]byte{byte(1 + rng.IntN(223)), byte(rng.IntN(256)), byte(rng.IntN(256)), 0})
			q = query{netip.PrefixFrom(a, 24), 64500}
		} else {
			var b [16]byte
			b[0] = 0x20 | byte(rng.IntN(4))
			for i := 1; i < 6; i++ {
				b[i] = byte(rng.IntN(256))
			}
			q = query{netip.PrefixFrom(netip.AddrFrom16(b), 48), 64500}
		}
		if s.Validate(q.p, q.origin).State == NotFound && len(d.notFound) < nq {
			d.notFound = append(d.notFound, q)
		}
	}
	return d
})

// BenchmarkValidate validates routes against 500,000 VRPs (70% IPv4):
// routes a VRP makes valid, routes with the wrong origin, and routes no
// VRP covers.
func BenchmarkValidate(b *testing.B) {
	d := loadBench()
	b.Logf("%d VRPs on %d prefixes", d.set.Len(), d.set.Prefixes())
	for _, bc := range []struct {
		name string
		qs   []query
	}{
		{"valid", d.valid},
		{"invalid", d.invalid},
		{"not-found", d.notFound},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			mask := len(bc.qs) - 1
			i := 0
			for b.Loop() {
				q := bc.qs[i&mask]
				_ = d.set.Validate(q.p, q.origin)
				i++
			}
		})
	}
}

// BenchmarkState is BenchmarkValidate without collecting the covering
// VRPs (Set.State).
func BenchmarkState(b *testing.B) {
	d := loadBench()
	for _, bc := range []struct {
		name string
		qs   []query
	}{
		{"valid", d.valid},
		{"invalid", d.invalid},
		{"not-found", d.notFound},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			mask := len(bc.qs) - 1
			i := 0
			for b.Loop() {
				q := bc.qs[i&mask]
				_, _ = d.set.State(q.p, q.origin)
				i++
			}
		})
	}
}

// benchInput formats n random VRPs as rpki-client JSON and as CSV.
func benchInput(n int) (jsonIn, csvIn []byte) {
	vrps := randomVRPs(rand.New(rand.NewPCG(7, 7)), n)
	var j, c bytes.Buffer
	j.WriteString(`{"metadata": {"generated": 1714564803}, "roas": [` + "\n")
	c.WriteString("ASN,IP Prefix,Max Length,Trust Anchor,Expires\n")
	for i, v := range vrps {
		if i > 0 {
			j.WriteString(",\n")
		}
		fmt.Fprintf(&j, `{ "asn": %d, "prefix": "%s", "maxLength": %d, "ta": "%s", "expires": 1714651200 }`, v.ASN, v.Prefix, v.MaxLength, v.TA)
		fmt.Fprintf(&c, "AS%d,%s,%d,%s,1714651200\n", v.ASN, v.Prefix, v.MaxLength, v.TA)
	}
	j.WriteString("\n]}\n")
	return j.Bytes(), c.Bytes()
}

// BenchmarkParse parses 100,000 VRPs in each format.
func BenchmarkParse(b *testing.B) {
	jsonIn, csvIn := benchInput(100_000)
	for _, bc := range []struct {
		name string
		in   []byte
	}{{"json", jsonIn}, {"csv", csvIn}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(bc.in)))
			for b.Loop() {
				if _, err := Parse(bytes.NewReader(bc.in), bc.name); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
