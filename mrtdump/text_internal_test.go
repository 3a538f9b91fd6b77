package mrtdump

import (
	"net/netip"
	"strconv"
	"testing"
)

func TestAppendUint(t *testing.T) {
	for _, v := range []uint64{0, 1, 9, 10, 11, 99, 100, 101, 255, 999, 1000, 65535, 65536, 23456, 4294967295, 1e18, 1e19 - 1, 1e19, 1<<64 - 1} {
		if got, want := string(appendUint([]byte("x"), v)), "x"+strconv.FormatUint(v, 10); got != want {
			t.Errorf("appendUint(%d) = %q, want %q", v, got, want)
		}
	}
	for b := 0; b < 256; b++ {
		if got, want := string(appendByte(nil, byte(b))), strconv.Itoa(b); got != want {
			t.Errorf("appendByte(%d) = %q, want %q", b, got, want)
		}
	}
}

// TestAppendIPv6 checks glibc inet_ntop's formatting, which bgpdump uses:
// the first longest zero run is compressed even when it is one group long,
// and ::a.b.c.d / ::ffff:a.b.c.d end in a dotted quad.
func TestAppendIPv6(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"::", "::"},
		{"::1", "::1"},
		{"2001:db8::1", "2001:db8::1"},
		{"2001:668:0:3:ffff:0:adcd:39ea", "2001:668::3:ffff:0:adcd:39ea"},
		{"2001:7f8:30:0:2:1:0:8447", "2001:7f8:30::2:1:0:8447"},
		{"1:0:0:2:0:0:0:3", "1:0:0:2::3"},
		{"1:0:0:2:0:0:3:4", "1::2:0:0:3:4"},
		{"::ffff:193.0.0.56", "::ffff:193.0.0.56"},
		{"::1.2.3.4", "::1.2.3.4"},
		{"::1:0:0:0", "::1:0:0:0"},
		{"1:0:0:0:1:0:0:0", "1::1:0:0:0"},
		{"fe80::", "fe80::"},
		{"1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"},
	} {
		a := netip.MustParseAddr(tc.in).As16()
		if got := string(appendIPv6(nil, &a)); got != tc.want {
			t.Errorf("appendIPv6(%s) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
