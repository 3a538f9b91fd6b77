package index

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
)

// attrsVersion is the first byte of an encoded attribute set.
const attrsVersion = 1

// Flags of an encoded attribute set.
const (
	afMED = 1 << iota
	afLocalPref
	afAtomic
	afAggregator
	afNextHop4
	afNextHop6
	afAggregator6
)

// appendAttrs appends the store encoding of a (see docs/format/store.md)
// to dst. Equal attribute sets encode to equal bytes, which is what
// interning compares.
func appendAttrs(dst []byte, a *Attrs) []byte {
	var flags byte
	if a.HasMED {
		flags |= afMED
	}
	if a.HasLocalPref {
		flags |= afLocalPref
	}
	if a.AtomicAggregate {
		flags |= afAtomic
	}
	if a.AggregatorAddr.IsValid() {
		flags |= afAggregator
		if a.AggregatorAddr.Is6() && !a.AggregatorAddr.Is4In6() {
			flags |= afAggregator6
		}
	}
	if a.NextHop.IsValid() {
		if a.NextHop.Is4() {
			flags |= afNextHop4
		} else {
			flags |= afNextHop6
		}
	}
	dst = append(dst, attrsVersion, a.Origin, flags)
	if flags&afNextHop4 != 0 {
		b := a.NextHop.As4()
		dst = append(dst, b[:]...)
	} else if flags&afNextHop6 != 0 {
		b := a.NextHop.As16()
		dst = append(dst, b[:]...)
	}
	if a.HasMED {
		dst = binary.BigEndian.AppendUint32(dst, a.MED)
	}
	if a.HasLocalPref {
		dst = binary.BigEndian.AppendUint32(dst, a.LocalPref)
	}
	if flags&afAggregator != 0 {
		dst = binary.BigEndian.AppendUint32(dst, a.AggregatorAS)
		if flags&afAggregator6 != 0 {
			b := a.AggregatorAddr.As16()
			dst = append(dst, b[:]...)
		} else {
			b := a.AggregatorAddr.Unmap().As4()
			dst = append(dst, b[:]...)
		}
	}
	dst = binary.AppendUvarint(dst, uint64(len(a.ASPath)))
	for _, s := range a.ASPath {
		set := byte(0)
		if s.Set {
			set = 1
		}
		dst = append(dst, set)
		dst = binary.AppendUvarint(dst, uint64(len(s.ASNs)))
		for _, as := range s.ASNs {
			dst = binary.BigEndian.AppendUint32(dst, as)
		}
	}
	dst = binary.AppendUvarint(dst, uint64(len(a.Communities)))
	for _, c := range a.Communities {
		dst = binary.BigEndian.AppendUint32(dst, c)
	}
	dst = binary.AppendUvarint(dst, uint64(len(a.LargeCommunities)))
	for _, c := range a.LargeCommunities {
		dst = binary.BigEndian.AppendUint32(dst, c[0])
		dst = binary.BigEndian.AppendUint32(dst, c[1])
		dst = binary.BigEndian.AppendUint32(dst, c[2])
	}
	return dst
}

var errShort = errors.New("value truncated")

// reader reads a value with bounds checks: after a short read err is set
// and every further read returns zero.
type reader struct {
	b   []byte
	err error
}

func (r *reader) take(n int) []byte {
	if r.err != nil || n < 0 || n > len(r.b) {
		r.err = errShort
		return nil
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

func (r *reader) byte1() byte {
	if v := r.take(1); v != nil {
		return v[0]
	}
	return 0
}

func (r *reader) u32() uint32 {
	if v := r.take(4); v != nil {
		return binary.BigEndian.Uint32(v)
	}
	return 0
}

func (r *reader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errShort
		return 0
	}
	r.b = r.b[n:]
	return v
}

// count reads a uvarint element count, checking that at least size bytes
// per element remain.
func (r *reader) count(size int) int {
	n := r.uvarint()
	if r.err == nil && n > uint64(len(r.b)/size) {
		r.err = fmt.Errorf("%w: %d elements of %d bytes in %d bytes", errShort, n, size, len(r.b))
		return 0
	}
	return int(n)
}

// decodeAttrs decodes an attribute set encoded by appendAttrs.
func decodeAttrs(b []byte) (*Attrs, error) {
	r := reader{b: b}
	if v := r.byte1(); r.err == nil && v != attrsVersion {
		return nil, fmt.Errorf("attribute set: unknown version %d", v)
	}
	a := &Attrs{Origin: r.byte1()}
	flags := r.byte1()
	if flags&afNextHop4 != 0 {
		if v := r.take(4); v != nil {
			a.NextHop = netip.AddrFrom4([4]byte(v))
		}
	} else if flags&afNextHop6 != 0 {
		if v := r.take(16); v != nil {
			a.NextHop = netip.AddrFrom16([16]byte(v))
		}
	}
	if flags&afMED != 0 {
		a.MED, a.HasMED = r.u32(), true
	}
	if flags&afLocalPref != 0 {
		a.LocalPref, a.HasLocalPref = r.u32(), true
	}
	a.AtomicAggregate = flags&afAtomic != 0
	if flags&afAggregator != 0 {
		a.AggregatorAS = r.u32()
		if flags&afAggregator6 != 0 {
			if v := r.take(16); v != nil {
				a.AggregatorAddr = netip.AddrFrom16([16]byte(v))
			}
		} else if v := r.take(4); v != nil {
			a.AggregatorAddr = netip.AddrFrom4([4]byte(v))
		}
	}
	if n := r.count(2); n > 0 {
		a.ASPath = make([]Segment, n)
		for i := range a.ASPath {
			a.ASPath[i].Set = r.byte1() == 1
			m := r.count(4)
			a.ASPath[i].ASNs = make([]uint32, m)
			for j := range m {
				a.ASPath[i].ASNs[j] = r.u32()
			}
		}
	}
	if n := r.count(4); n > 0 {
		a.Communities = make([]uint32, n)
		for i := range n {
			a.Communities[i] = r.u32()
		}
	}
	if n := r.count(12); n > 0 {
		a.LargeCommunities = make([][3]uint32, n)
		for i := range n {
			a.LargeCommunities[i] = [3]uint32{r.u32(), r.u32(), r.u32()}
		}
	}
	if r.err != nil {
		return nil, fmt.Errorf("attribute set: %w", r.err)
	}
	if len(r.b) != 0 {
		return nil, fmt.Errorf("attribute set: %d bytes left over", len(r.b))
	}
	return a, nil
}

// OriginAS returns the origin AS of a: the last AS of the path when the
// path ends with an AS_SEQUENCE or with an AS_SET of one member, else 0
// (no path, or an aggregate whose origin is ambiguous).
func (a *Attrs) OriginAS() uint32 {
	if len(a.ASPath) == 0 {
		return 0
	}
	last := a.ASPath[len(a.ASPath)-1]
	if len(last.ASNs) == 0 || (last.Set && len(last.ASNs) != 1) {
		return 0
	}
	return last.ASNs[len(last.ASNs)-1]
}

// adjacencies appends the AS adjacencies of a's path to dst as
// left<<32|right pairs: consecutive distinct ASes of AS_SEQUENCE segments
// (prepending collapsed); an AS_SET breaks the chain.
func (a *Attrs) adjacencies(dst []uint64) []uint64 {
	var prev uint32
	have := false
	for _, s := range a.ASPath {
		if s.Set {
			have = false
			continue
		}
		for _, as := range s.ASNs {
			if have && as != prev {
				p := uint64(prev)<<32 | uint64(as)
				dup := false
				for _, q := range dst {
					if q == p {
						dup = true
						break
					}
				}
				if !dup {
					dst = append(dst, p)
				}
			}
			prev, have = as, true
		}
	}
	return dst
}
