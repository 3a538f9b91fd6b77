package collector

import (
	"context"
	"fmt"
	"log/slog"
	"sort"

	gobgplog "github.com/osrg/gobgp/v3/pkg/log"
)

// gobgpLogger routes GoBGP's log lines into slog. GoBGP's Info lines are
// chatty (every FSM step), so they become Debug, except the one that says
// a connection was refused, which is a Warn and is counted.
type gobgpLogger struct {
	log     *slog.Logger
	refused func()
}

// msgRefused is what GoBGP logs when a connection matches no neighbour.
const msgRefused = "Can't find configuration for a new passive connection"

// attrs turns GoBGP's fields into slog attributes in a stable order; the
// "Key" field (usually the peer address) is renamed peer.
func attrs(fields gobgplog.Fields) []any {
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]any, 0, 2*len(keys)+2)
	out = append(out, "source", "gobgp")
	for _, k := range keys {
		name := k
		if k == "Key" {
			name = "peer"
		}
		out = append(out, name, fmt.Sprint(fields[k]))
	}
	return out
}

// logAt logs msg with fields at level. GoBGP calls Debug on its hot paths
// (one "create Destination" per received route) without asking GetLevel
// first, so fields are formatted only when the record will be written:
// formatting them anyway took a tenth of the collector's CPU under load.
func (l *gobgpLogger) logAt(level slog.Level, msg string, fields gobgplog.Fields) {
	ctx := context.Background()
	if !l.log.Enabled(ctx, level) {
		return
	}
	l.log.Log(ctx, level, msg, attrs(fields)...)
}

// Panic logs at Error level; unlike logrus it does not panic, since the
// collector must survive one bad session.
func (l *gobgpLogger) Panic(msg string, fields gobgplog.Fields) {
	l.logAt(slog.LevelError, msg, fields)
}

// Fatal logs at Error level; it does not exit.
func (l *gobgpLogger) Fatal(msg string, fields gobgplog.Fields) {
	l.logAt(slog.LevelError, msg, fields)
}

// Error logs at Error level.
func (l *gobgpLogger) Error(msg string, fields gobgplog.Fields) {
	l.logAt(slog.LevelError, msg, fields)
}

// Warn logs at Warn level.
func (l *gobgpLogger) Warn(msg string, fields gobgplog.Fields) {
	l.logAt(slog.LevelWarn, msg, fields)
}

// Info logs at Debug level, but a refused connection at Warn (counted).
func (l *gobgpLogger) Info(msg string, fields gobgplog.Fields) {
	if msg == msgRefused {
		l.refused()
		l.logAt(slog.LevelWarn, "refused BGP connection from unknown peer", fields)
		return
	}
	l.logAt(slog.LevelDebug, msg, fields)
}

// Debug logs at Debug level.
func (l *gobgpLogger) Debug(msg string, fields gobgplog.Fields) {
	l.logAt(slog.LevelDebug, msg, fields)
}

// SetLevel is ignored: the slog handler decides what is shown.
func (l *gobgpLogger) SetLevel(gobgplog.LogLevel) {}

// GetLevel returns DebugLevel when the slog handler wants Debug records
// (GoBGP then builds its debug fields), else InfoLevel.
func (l *gobgpLogger) GetLevel() gobgplog.LogLevel {
	if l.log.Enabled(context.Background(), slog.LevelDebug) {
		return gobgplog.DebugLevel
	}
	return gobgplog.InfoLevel
}
