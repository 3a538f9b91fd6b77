package mrtdump

// Type is an MRT record type (RFC 6396 section 4).
type Type uint16

// MRT record types routestat understands.
const (
	TypeBGP         Type = 5  // deprecated BGP (MRTd), found in 1999-2001 RIS files
	TypeTableDump   Type = 12 // TABLE_DUMP (v1)
	TypeTableDumpV2 Type = 13 // TABLE_DUMP_V2
	TypeBGP4MP      Type = 16 // BGP4MP
	TypeBGP4MPET    Type = 17 // BGP4MP_ET: BGP4MP with a microsecond timestamp
)

// String returns the RFC name of the type, or its number.
func (t Type) String() string {
	switch t {
	case TypeBGP:
		return "BGP"
	case TypeTableDump:
		return "TABLE_DUMP"
	case TypeTableDumpV2:
		return "TABLE_DUMP_V2"
	case TypeBGP4MP:
		return "BGP4MP"
	case TypeBGP4MPET:
		return "BGP4MP_ET"
	}
	return "type " + utoa(uint64(t))
}

// TABLE_DUMP_V2 subtypes (RFC 6396 section 4.3, RFC 8050).
const (
	SubPeerIndexTable          uint16 = 1
	SubRIBIPv4Unicast          uint16 = 2
	SubRIBIPv4Multicast        uint16 = 3
	SubRIBIPv6Unicast          uint16 = 4
	SubRIBIPv6Multicast        uint16 = 5
	SubRIBGeneric              uint16 = 6
	SubRIBIPv4UnicastAddPath   uint16 = 8
	SubRIBIPv4MulticastAddPath uint16 = 9
	SubRIBIPv6UnicastAddPath   uint16 = 10
	SubRIBIPv6MulticastAddPath uint16 = 11
	SubRIBGenericAddPath       uint16 = 12
)

// BGP4MP and BGP4MP_ET subtypes (RFC 6396 section 4.4, RFC 8050).
const (
	SubStateChange            uint16 = 0
	SubMessage                uint16 = 1
	SubEntry                  uint16 = 2 // deprecated BGP4MP_ENTRY
	SubSnapshot               uint16 = 3 // deprecated BGP4MP_SNAPSHOT
	SubMessageAS4             uint16 = 4
	SubStateChangeAS4         uint16 = 5
	SubMessageLocal           uint16 = 6
	SubMessageAS4Local        uint16 = 7
	SubMessageAddPath         uint16 = 8
	SubMessageAS4AddPath      uint16 = 9
	SubMessageLocalAddPath    uint16 = 10
	SubMessageAS4LocalAddPath uint16 = 11
)

// Deprecated type 5 (BGP) subtypes.
const (
	SubBGPUpdate      uint16 = 1
	SubBGPStateChange uint16 = 3
	SubBGPOpen        uint16 = 5
	SubBGPNotify      uint16 = 6
	SubBGPKeepalive   uint16 = 7
)

// TABLE_DUMP (v1) subtypes: the address family, optionally with 4-byte ASNs.
const (
	SubTableDumpIPv4    uint16 = 1
	SubTableDumpIPv6    uint16 = 2
	SubTableDumpIPv4AS4 uint16 = 3
	SubTableDumpIPv6AS4 uint16 = 4
)

// Address family identifiers.
const (
	AFIIPv4 uint16 = 1
	AFIIPv6 uint16 = 2
)

// BGP message types.
const (
	MsgOpen         uint8 = 1
	MsgUpdate       uint8 = 2
	MsgNotification uint8 = 3
	MsgKeepalive    uint8 = 4
	MsgRouteRefresh uint8 = 5
)

// BGP path attribute type codes.
const (
	AttrOrigin           uint8 = 1
	AttrASPath           uint8 = 2
	AttrNextHop          uint8 = 3
	AttrMED              uint8 = 4
	AttrLocalPref        uint8 = 5
	AttrAtomicAggregate  uint8 = 6
	AttrAggregator       uint8 = 7
	AttrCommunities      uint8 = 8
	AttrOriginatorID     uint8 = 9
	AttrClusterList      uint8 = 10
	AttrMPReach          uint8 = 14
	AttrMPUnreach        uint8 = 15
	AttrExtCommunities   uint8 = 16
	AttrAS4Path          uint8 = 17
	AttrAS4Aggregator    uint8 = 18
	AttrLargeCommunities uint8 = 32
)

// AS path segment types.
const (
	SegSet            uint8 = 1
	SegSequence       uint8 = 2
	SegConfedSequence uint8 = 3
	SegConfedSet      uint8 = 4
)

// ASTrans is AS_TRANS (RFC 6793), the 2-byte stand-in for a 4-byte ASN.
const ASTrans = 23456

func utoa(v uint64) string {
	var b [20]byte
	return string(appendUint(b[:0], v))
}
