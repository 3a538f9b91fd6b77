package calls

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/routestat/routestat/stat/api"
	"github.com/routestat/routestat/stat/index"
)

// ASNames gives the registered name of an AS ("" when unknown).
type ASNames interface {
	Name(as uint32) string
}

// Deps is what the calls read.
type Deps struct {
	// Index is the route index; required.
	Index *index.Index
	// Names names ASes (as-overview's holder, searchcomplete, BGPlay's
	// nodes); nil leaves every name empty.
	Names ASNames
	// Resolver looks host names up for searchcomplete (nil:
	// net.DefaultResolver).
	Resolver HostResolver
}

// HostResolver resolves a host name to addresses (*net.Resolver).
type HostResolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// name returns the name of as, or "".
func (d *Deps) name(as uint32) string {
	if d.Names == nil {
		return ""
	}
	return d.Names.Name(as)
}

// Register adds every BGP data call to srv.
func Register(srv *api.Server, d Deps) error {
	if d.Index == nil {
		return fmt.Errorf("data calls: no index")
	}
	groups := []func(*Deps) []api.Call{prefixCalls, historyCalls, topologyCalls, peerCalls}
	for _, group := range groups {
		for _, c := range group(&d) {
			if err := srv.Register(c); err != nil {
				return fmt.Errorf("data calls: %w", err)
			}
		}
	}
	return nil
}
