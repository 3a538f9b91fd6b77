// Package archive writes a collector's events as a RIS-style MRT archive:
// Dir/<collector>/<YYYY.MM>/updates.YYYYMMDD.HHMM.gz every five minutes
// (BGP4MP or BGP4MP_ET MESSAGE records holding every received BGP message
// exactly as received, and STATE_CHANGE_AS4 records), and
// bview.YYYYMMDD.HHMM.gz TABLE_DUMP_V2 RIB dumps.
//
// It owns the archive's durability rules: a file is written under a hidden
// temporary name, flushed and fsynced at least every FlushInterval, and
// given its final name only when complete; an existing file is never
// overwritten; after a crash, the records synced before it are recovered
// into a complete file.
package archive
