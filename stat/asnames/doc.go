// Package asnames is routestat's source of AS names: it loads an optional
// text dump that maps AS numbers to their registered names (the format of
// docs/asnames.md: "<asn> <name>" per line, "AS" prefix optional, "#"
// comments) and answers name look-ups (calls.ASNames) and the name search
// of the searchcomplete data call.
//
// A Names is immutable once loaded and safe for concurrent use.
package asnames
