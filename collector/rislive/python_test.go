package rislive

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// pythonClient is written as RIS Live's documented Python example is
// (websocket-client: connect to /v1/ws/?client=..., send ris_subscribe,
// iterate over the socket), printing the fields a typical client reads
// and stopping after a number of messages.
const pythonClient = `
import json
import sys
import websocket

url, count = sys.argv[1], int(sys.argv[2])
ws = websocket.WebSocket()
ws.connect(url + "/v1/ws/?client=py-example-1")
params = {
    "moreSpecific": True,
    "host": "rrc00",
    "prefix": "203.0.113.0/24",
    "socketOptions": {
        "includeRaw": True
    }
}
ws.send(json.dumps({
    "type": "ris_subscribe",
    "data": params
}))
print("subscribed", flush=True)
n = 0
for data in ws:
    parsed = json.loads(data)
    if parsed["type"] != "ris_message":
        print("unexpected", parsed["type"], parsed["data"], flush=True)
        continue
    d = parsed["data"]
    assert isinstance(d["timestamp"], float), d["timestamp"]
    assert isinstance(d["peer_asn"], str), d["peer_asn"]
    prefixes = [p for a in d.get("announcements", []) for p in a["prefixes"]]
    print(d["type"], d["host"], d["peer"], d["peer_asn"], json.dumps(d["path"]),
          ",".join(prefixes), ",".join(d.get("withdrawals", [])), len(d["raw"]) // 2, flush=True)
    n += 1
    if n == count:
        break
ws.close()
`

// TestPythonClient runs a stock RIS Live client, Debian's python3-websocket
// (websocket-client), against the server.
func TestPythonClient(t *testing.T) {
	python := "/usr/bin/python3"
	if err := exec.Command(python, "-c", "import websocket").Run(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s with websocket-client (Debian python3-websocket) is needed: %v", python, err)
		}
		t.Skipf("%s with websocket-client (Debian python3-websocket) missing: %v", python, err)
	}
	ts := newTestServer(t, nil, Options{})
	script := filepath.Join(t.TempDir(), "client.py")
	if err := os.WriteFile(script, []byte(pythonClient), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, script, "ws"+strings.TrimPrefix(ts.srv.URL, "http"), "3")
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the Python client to subscribe", func() bool {
		ts.h.mu.Lock()
		defer ts.h.mu.Unlock()
		for c := range ts.h.clients {
			if len(c.state.Load().filters) == 1 {
				return true
			}
		}
		return false
	})

	path := []seg{{as: []uint32{64500, 64510}}, {set: true, as: []uint32{65011, 65010}}}
	msgs := []struct {
		r    route
		peer string
	}{
		{route{path: path, ann: []string{"203.0.113.0/25", "198.51.100.0/24"}, nextHop: "192.0.2.1"}, "192.0.2.1"},
		{route{path: path, ann: []string{"198.51.100.0/24"}, nextHop: "192.0.2.1"}, "192.0.2.1"},                      // no match
		{route{path: []seg{{as: []uint32{64501}}}, ann: []string{"203.0.0.0/16"}, nextHop: "192.0.2.2"}, "192.0.2.2"}, // less specific: no match
		{route{wd: []string{"203.0.113.0/24"}}, "192.0.2.2"},
		{route{path: []seg{{as: []uint32{64501, 64502}}}, ann: []string{"203.0.113.128/26"}, nextHop: "192.0.2.2"}, "192.0.2.2"},
	}
	for _, m := range msgs {
		ts.bus.Publish(testEvent("rrc00", m.peer, 64500, buildUpdate(m.r)))
	}
	err := cmd.Wait()
	if err != nil {
		t.Fatalf("python client: %v\nstdout:\n%s\nstderr:\n%s", err, out.String(), stderr.String())
	}
	raw := func(r route) int { return len(buildUpdate(r)) }
	want := strings.Join([]string{
		"subscribed",
		fmt.Sprintf("UPDATE rrc00 192.0.2.1 64500 [64500, 64510, [65011, 65010]] 203.0.113.0/25,198.51.100.0/24  %d", raw(msgs[0].r)),
		fmt.Sprintf("UPDATE rrc00 192.0.2.2 64500 []  203.0.113.0/24 %d", raw(msgs[3].r)),
		fmt.Sprintf("UPDATE rrc00 192.0.2.2 64500 [64501, 64502] 203.0.113.128/26  %d", raw(msgs[4].r)),
	}, "\n") + "\n"
	if out.String() != want {
		t.Fatalf("python client printed\n%s\nwant\n%s\nstderr:\n%s", out.String(), want, stderr.String())
	}
}
