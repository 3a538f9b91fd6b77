package hijack

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/routestat/routestat/stat/asrel"
	"github.com/routestat/routestat/stat/rpki"
)

// Inputs are the optional data the detectors use besides routes: RPKI
// VRPs (hot-reloaded) and AS relationships.
type Inputs struct {
	rpki *rpki.Source
	rels *asrel.Relationships
}

// OpenInputs loads the VRP file (rpki-client JSON or CSV) and the CAIDA
// relationships file; either path may be empty.
func OpenInputs(rpkiPath, relPath string, log *slog.Logger) (Inputs, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var in Inputs
	if rpkiPath != "" {
		src, err := rpki.NewSource(rpkiPath, log)
		if err != nil {
			return in, fmt.Errorf("RPKI VRPs: %w", err)
		}
		in.rpki = src
	}
	if relPath != "" {
		rels, err := asrel.Load(relPath)
		if err != nil {
			return in, fmt.Errorf("AS relationships: %w", err)
		}
		in.rels = rels
	}
	return in, nil
}

// Run re-reads the VRP file when it changes, checking every interval,
// until ctx is done. Without a VRP file it returns at once.
func (in Inputs) Run(ctx context.Context, every time.Duration) {
	if in.rpki != nil {
		in.rpki.Run(ctx, every)
	}
}

// Options returns engine options using the inputs, with sink.
func (in Inputs) Options(sink Sink) Options {
	opt := Options{Sink: sink}
	if in.rpki != nil {
		opt.RPKI = in.rpki
	}
	if in.rels != nil {
		opt.Relations = in.rels
	}
	return opt
}
