// Package archive writes a collector's events as a RIS-style MRT archive:
// Dir/<collector>/<YYYY.MM>/updates.YYYYMMDD.HHMM.gz, one file per updates
// interval (five minutes by default), holding a BGP4MP or BGP4MP_ET
// MESSAGE record for every BGP message the collector published, exactly as
// received, and a STATE_CHANGE_AS4 record for every FSM change; and
// bview.YYYYMMDD.HHMM.gz TABLE_DUMP_V2 RIB dumps, written when the caller
// asks (DumpRIB).
//
// It owns the archive's durability rules: a file is written under a hidden
// temporary name, flushed and fsynced at least every FlushInterval while
// it has new records, and given its final name only when complete (gzip
// trailer written, file and directory fsynced); an existing file is never
// replaced; after a crash, the next New publishes the whole records that
// reached the disk as a complete file and removes unfinished RIB dumps.
package archive
