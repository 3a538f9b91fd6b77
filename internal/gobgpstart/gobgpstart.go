// Package gobgpstart starts GoBGP servers one at a time.
//
// GoBGP's StartBgp writes package variables (the route selection options
// in pkg/table), so two BgpServers in one process — a collector and the
// replay speakers in a test, or several replay speakers — must not start
// at the same time. Start serialises them.
package gobgpstart

import (
	"context"
	"sync"

	api "github.com/osrg/gobgp/v3/api"
	"github.com/osrg/gobgp/v3/pkg/server"
)

var mu sync.Mutex

// Start calls s.StartBgp(ctx, req) while no other Start is running.
func Start(ctx context.Context, s *server.BgpServer, req *api.StartBgpRequest) error {
	mu.Lock()
	defer mu.Unlock()
	return s.StartBgp(ctx, req)
}
