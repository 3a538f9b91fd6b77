package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/routestat/routestat/collector"
	"github.com/routestat/routestat/stat/hijack/notify"
	"github.com/routestat/routestat/stat/index"
)

// File is routestat.yaml.
type File struct {
	Collector collector.Config `yaml:"collector"`
	Archive   Archive          `yaml:"archive"`
	HTTP      HTTP             `yaml:"http"`
	Stream    Stream           `yaml:"stream"`
	Index     Index            `yaml:"index"`
	API       API              `yaml:"api"`
	Hijack    Hijack           `yaml:"hijack"`
}

// Hijack configures hijack detection in routestat serve (stat/hijack,
// docs/hijack.md).
type Hijack struct {
	// Monitored is the monitored-resources file (routestat's format or a
	// BGPalerter prefixes.yml); empty turns detection off.
	Monitored string `yaml:"monitored"`
	// RPKI is an optional VRP file (rpki-client JSON or CSV), re-read when
	// it changes (checked every RPKIRefresh, default 1m).
	RPKI        string        `yaml:"rpki"`
	RPKIRefresh time.Duration `yaml:"rpki_refresh"`
	// Relationships is an optional CAIDA AS-relationships file
	// (as1|as2|rel) for route-leak detection.
	Relationships string `yaml:"relationships"`
	// Channels deliver incident notifications (webhook, slack, email,
	// syslog), routed by the monitored resources' groups.
	Channels []notify.ChannelConfig `yaml:"channels"`
	// APIKeys authorise people's actions on incidents (acknowledge, false
	// positive); with none those actions are refused.
	APIKeys []string `yaml:"api_keys"`
	// Link is routestat's public base URL, for links in notifications
	// (e.g. https://routestat.example.net).
	Link string `yaml:"link"`
}

// API configures the data API (/data/<call>/data.json).
type API struct {
	// ASNames is an optional AS-names file ("<asn> <name>" per line,
	// docs/asnames.md): as-overview's holder, searchcomplete and BGPlay's
	// node names. Empty: no names.
	ASNames string `yaml:"as_names"`
}

// Index configures the route index (stat/index).
type Index struct {
	// Dir is the index's Badger directory (default var/data).
	Dir string `yaml:"dir"`
	// FullFeedV4 and FullFeedV6 are the table sizes from which a peer
	// counts as a full-feed peer (defaults 800000 and 150000, as RIS).
	FullFeedV4 int `yaml:"full_feed_v4"`
	FullFeedV6 int `yaml:"full_feed_v6"`
	// SnapshotEvery is how many events of a prefix may follow its last
	// snapshot before a new one is written (default 64).
	SnapshotEvery int `yaml:"snapshot_every"`
	// GCInterval is how often Badger's value-log GC runs (default 10m).
	GCInterval time.Duration `yaml:"gc_interval"`
	// MinFreeMB is the free disk space, in MiB, below which the index
	// stops writing (default 1024; negative disables the check).
	MinFreeMB int64 `yaml:"min_free_mb"`
}

// Options returns the index options the section sets (zero values select
// the index's defaults).
func (i Index) Options() index.Options {
	return index.Options{
		FullFeedV4: i.FullFeedV4, FullFeedV6: i.FullFeedV6,
		SnapshotEvery: i.SnapshotEvery, GCInterval: i.GCInterval,
		MinFree: max(i.MinFreeMB, -1) << 20,
	}
}

// Archive configures the MRT archive the collector writes.
type Archive struct {
	// Dir is the archive's root (default var/archive); files go to
	// Dir/<collector name>/YYYY.MM/.
	Dir string `yaml:"dir"`
	// UpdatesInterval is how long one updates file covers (default 5m);
	// RIBInterval how often every peer's Adj-RIB-In is dumped (default
	// 8h; 0 in the file keeps the default, a negative value disables
	// dumps); FlushInterval how often written records are made durable
	// (default 1s).
	UpdatesInterval time.Duration `yaml:"updates_interval"`
	RIBInterval     time.Duration `yaml:"rib_interval"`
	FlushInterval   time.Duration `yaml:"flush_interval"`
	// ET writes BGP4MP_ET records with microsecond timestamps.
	ET bool `yaml:"et"`
}

// HTTP configures routestat's HTTP endpoint: /metrics and the RIS Live
// stream.
type HTTP struct {
	// Listen is the address to serve on (default :8080; empty
	// string in the file keeps the default, "off" disables it).
	Listen string `yaml:"listen"`
}

// Stream configures the RIS Live endpoints (/v1/ws/ and /v1/stream/).
type Stream struct {
	// Buffer is how many messages one client may fall behind before
	// messages are dropped for it (default 4096).
	Buffer int `yaml:"buffer"`
	// MaxSubscriptions limits the subscriptions of one socket (default
	// 256).
	MaxSubscriptions int `yaml:"max_subscriptions"`
	// SlowGrace is how long a client told of dropped messages has to
	// catch up before it is disconnected (default 1m).
	SlowGrace time.Duration `yaml:"slow_grace"`
}

// Defaults returns f with every unset field set to its default.
func (f File) Defaults() File {
	f.Collector = f.Collector.Defaults()
	if f.Archive.Dir == "" {
		f.Archive.Dir = "var/archive"
	}
	if f.Archive.UpdatesInterval == 0 {
		f.Archive.UpdatesInterval = 5 * time.Minute
	}
	if f.Archive.RIBInterval == 0 {
		f.Archive.RIBInterval = 8 * time.Hour
	}
	if f.Archive.FlushInterval == 0 {
		f.Archive.FlushInterval = time.Second
	}
	if f.HTTP.Listen == "" {
		f.HTTP.Listen = ":8080"
	}
	if f.Index.Dir == "" {
		f.Index.Dir = "var/data"
	}
	if f.Stream.Buffer == 0 {
		f.Stream.Buffer = 4096
	}
	if f.Stream.MaxSubscriptions == 0 {
		f.Stream.MaxSubscriptions = 256
	}
	if f.Stream.SlowGrace == 0 {
		f.Stream.SlowGrace = time.Minute
	}
	if f.Hijack.RPKIRefresh == 0 {
		f.Hijack.RPKIRefresh = time.Minute
	}
	return f
}

// Parse decodes routestat.yaml. Unknown keys are errors; messages carry
// the YAML line. An empty document is all defaults.
func Parse(b []byte) (File, error) {
	var f File
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) {
		return File{}, err
	}
	f = f.Defaults()
	if err := f.Collector.Validate(); err != nil {
		return File{}, fmt.Errorf("collector: %w", err)
	}
	if f.Archive.FlushInterval < 0 || f.Archive.UpdatesInterval < 0 {
		return File{}, errors.New("archive: intervals must not be negative (rib_interval may, to disable dumps)")
	}
	if f.Index.FullFeedV4 < 0 || f.Index.FullFeedV6 < 0 || f.Index.SnapshotEvery < 0 || f.Index.GCInterval < 0 {
		return File{}, errors.New("index: full_feed_v4, full_feed_v6, snapshot_every and gc_interval must not be negative")
	}
	if f.Stream.Buffer < 0 || f.Stream.MaxSubscriptions < 0 || f.Stream.SlowGrace < 0 {
		return File{}, errors.New("stream: buffer, max_subscriptions and slow_grace must not be negative")
	}
	return f, nil
}

// Load reads routestat.yaml from path; an empty path means no file: all
// defaults.
func Load(path string) (File, error) {
	if path == "" {
		return Parse(nil)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return File{}, err
	}
	f, err := Parse(b)
	if err != nil {
		return File{}, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}
