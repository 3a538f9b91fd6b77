// Package decompress turns an MRT file or stream into its uncompressed
// bytes. It owns everything between the compressed input and the MRT
// parser: telling the format from the magic bytes (never from a file
// name), decoding gzip, bzip2 and xz, passing anything else through, and
// reporting damage.
//
// Decompression sets the floor of routestat's MRT parsing speed, so each
// format gets the fastest robust decoder measured (see docs/performance.md), and
// decoding runs on other goroutines than the caller's parsing:
//
//   - bzip2 (RouteViews archives) is decoded block-parallel on GOMAXPROCS
//     goroutines. A scanner finds the bit-aligned block magics, each block
//     is decoded as a one-block stream (with libbz2 when built with cgo,
//     with compress/bzip2 otherwise), and the blocks are handed out in
//     order, with only a small window of blocks in memory. A magic pattern
//     that occurs by chance inside a block's data is handled by joining
//     the pieces again.
//   - gzip (RIPE RIS archives) is decoded by klauspost/compress on a
//     read-ahead goroutine.
//   - xz is decoded by ulikunitz/xz on a read-ahead goroutine.
//
// Damaged input gives every byte that decodes before the damage, then an
// error: for bzip2 every complete block whose checksum matches, for gzip
// every byte the inflater produced. A truncated download thus still yields
// all its complete records, and the error (wrapping io.ErrUnexpectedEOF
// when the input ends early) says what went wrong and at which compressed
// byte. No input makes the package panic or hang, and Close always stops
// its goroutines, even when the caller stopped reading early.
package decompress
