package api

import (
	"net/netip"
	"strings"
	"testing"
)

func TestParseResource(t *testing.T) {
	all := ResNetwork | ResHostname | ResCountry
	tests := []struct {
		in     string
		accept ResourceKind
		want   string // Resource.String(); empty when an error is expected
		kind   ResourceKind
		errHas string
	}{
		{"AS3333", ResNetwork, "3333", ResASN, ""},
		{"as3333", ResNetwork, "3333", ResASN, ""},
		{"aS3333", ResNetwork, "3333", ResASN, ""},
		{"3333", ResNetwork, "3333", ResASN, ""},
		{" AS3333 ", ResNetwork, "3333", ResASN, ""},
		{"AS0", ResNetwork, "0", ResASN, ""},
		{"AS4294967295", ResNetwork, "4294967295", ResASN, ""},
		{"AS1.10", ResNetwork, "65546", ResASN, ""},
		{"as0.3333", ResNetwork, "3333", ResASN, ""},
		{"AS65535.65535", ResNetwork, "4294967295", ResASN, ""},
		{"AS4294967296", ResNetwork, "", 0, "out of range"},
		{"99999999999", ResNetwork, "", 0, "out of range"},
		{"AS65536.0", ResNetwork, "", 0, "asdot"},
		{"AS", ResNetwork, "", 0, "not understood"},
		{"ASx", ResNetwork, "", 0, "followed by digits"},
		{"AS-1", ResNetwork, "", 0, "followed by digits"},
		{"AS+1", ResNetwork, "", 0, "followed by digits"},
		{"1.2", ResNetwork, "", 0, "not understood"},
		{"3333", ResPrefix, "", 0, "AS number is not accepted"},
		{"193.0.0.0/21", ResNetwork, "193.0.0.0/21", ResPrefix, ""},
		{"193/23", ResNetwork, "193.0.0.0/23", ResPrefix, ""},
		{"1.2.3/24", ResNetwork, "1.2.3.0/24", ResPrefix, ""},
		{"10/8", ResNetwork, "10.0.0.0/8", ResPrefix, ""},
		{"0.0.0.0/0", ResNetwork, "0.0.0.0/0", ResPrefix, ""},
		{"::/0", ResNetwork, "::/0", ResPrefix, ""},
		{"2001:DB8::/32", ResNetwork, "2001:db8::/32", ResPrefix, ""},
		{"193.0.6.139/21", ResNetwork, "193.0.0.0/21", ResPrefix, ""},
		{"1.2.3.0/33", ResNetwork, "", 0, "not a prefix"},
		{"2001:db8::/129", ResNetwork, "", 0, "not a prefix"},
		{"1.2.3.0/", ResNetwork, "", 0, "not a number"},
		{"1.2.3.0/-1", ResNetwork, "", 0, "not a number"},
		{"1.2.3.0/08", ResNetwork, "", 0, "not a prefix"},
		{"256/8", ResNetwork, "", 0, "not a prefix"},
		{"/8", ResNetwork, "", 0, "not a prefix"},
		{"1.2.3.4.5/32", ResNetwork, "", 0, "not a prefix"},
		{"193.0.0.0/21", ResASN, "", 0, "prefix is not accepted"},
		{"193.0.6.139", ResNetwork, "193.0.6.139", ResAddr, ""},
		{"2001:db8::1", ResNetwork, "2001:db8::1", ResAddr, ""},
		{"::ffff:1.2.3.4", ResNetwork, "::ffff:1.2.3.4", ResAddr, ""},
		{"fe80::1%eth0", ResNetwork, "", 0, "zone"},
		{"193.0.6.139", ResASN | ResPrefix, "", 0, "address is not accepted"},
		{"NL", all, "nl", ResCountry, ""},
		{"nl", all, "nl", ResCountry, ""},
		{"nl", ResNetwork, "", 0, "not understood"},
		{"n1", all, "", 0, "not understood"},
		{"www.ripe.net", all, "www.ripe.net", ResHostname, ""},
		{"WWW.Example.NET.", all, "www.example.net", ResHostname, ""},
		{"www.ripe.net", ResNetwork, "", 0, "not understood"},
		{"localhost", all, "", 0, "not understood"},
		{"a..b", all, "", 0, "not understood"},
		{"-a.b", all, "", 0, "not understood"},
		{"a.b-", all, "", 0, "not understood"},
		{"a_b.c", all, "", 0, "not understood"},
		{"1.2.3", all, "", 0, "not understood"},
		{strings.Repeat("a", 64) + ".net", all, "", 0, "not understood"},
		{"", all, "", 0, "empty"},
		{"   ", all, "", 0, "empty"},
		{"\x00", all, "", 0, "not understood"},
		{"\xff\xfe", all, "", 0, "not understood"},
		{"1.2.3.4 - 5.6.7.8", all, "", 0, "not understood"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			r, err := ParseResource(tt.in, tt.accept)
			if tt.errHas != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errHas) {
					t.Fatalf("ParseResource(%q) = %v, %v; want error containing %q", tt.in, r, err, tt.errHas)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseResource(%q): %v", tt.in, err)
			}
			if r.String() != tt.want || r.Kind != tt.kind {
				t.Errorf("ParseResource(%q) = %q (%v), want %q (%v)", tt.in, r.String(), r.Kind, tt.want, tt.kind)
			}
		})
	}
}

func TestParseResourceHostBits(t *testing.T) {
	r, err := ParseResource("193.0.6.139/21", ResPrefix)
	if err != nil || !r.HostBitsCleared || r.Prefix != netip.MustParsePrefix("193.0.0.0/21") {
		t.Errorf("got %+v, %v", r, err)
	}
	r, err = ParseResource("193.0.0.0/21", ResPrefix)
	if err != nil || r.HostBitsCleared {
		t.Errorf("got %+v, %v", r, err)
	}
}

func TestParseResources(t *testing.T) {
	rs, err := ParseResources("193.0.0.0/21, AS3333,2001:db8::/32", ResNetwork)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rs {
		got = append(got, r.String())
	}
	if strings.Join(got, " ") != "193.0.0.0/21 3333 2001:db8::/32" {
		t.Errorf("got %v", got)
	}
	for _, bad := range []string{"", "3333,", ",3333", "3333,,3334", "3333,x", strings.Repeat("1,", 64) + "1"} {
		if _, err := ParseResources(bad, ResNetwork); err == nil {
			t.Errorf("ParseResources(%.40q) succeeded", bad)
		}
	}
	if _, err := ParseResources("3333,x", ResNetwork); !strings.Contains(err.Error(), `item 2 "x"`) {
		t.Errorf("error does not name the item: %v", err)
	}
}

// TestResourceKindString checks the wording used in messages.
func TestResourceKindString(t *testing.T) {
	tests := map[ResourceKind]string{
		0:                        "nothing",
		ResASN:                   "an AS number (AS3333)",
		ResASN | ResPrefix:       "an AS number (AS3333) or a prefix (193.0.0.0/21)",
		ResNetwork | ResHostname: "an AS number (AS3333), a prefix (193.0.0.0/21), an IP address or a host name",
	}
	for k, want := range tests {
		if got := k.String(); got != want {
			t.Errorf("%d: %q, want %q", k, got, want)
		}
	}
}
