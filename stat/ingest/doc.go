// Package ingest feeds MRT archives into the route index (stat/index):
// it finds the files (local files, directories, http(s) URLs of files or
// of RIS/RouteViews-style directory listings), orders them per collector
// by time, reads each with mrtdump, converts its records with the index's
// Converter and applies the events in batches, each stored atomically with
// a checkpoint (file and byte offset). Ingesting a file twice changes
// nothing; an ingest killed at any point and run again ends where a clean
// run ends. Damaged records are reported with their file and offset and
// the rest of the file is ingested.
package ingest
