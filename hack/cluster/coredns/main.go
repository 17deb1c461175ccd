// CoreDNS with the plugins this cluster uses: the cluster's DNS (kubernetes, forward to nothing
// outside: see docs/real-cluster.md) and the conformance suite's DNS backend (forward, whoami, log).
// This is upstream's documented way to build CoreDNS with a chosen plugin set (a main that
// imports coremain and the plugins); the full build links every cloud provider's SDK and takes
// several times as long on two cores.
package main

import (
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/coremain"

	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/forward"
	_ "github.com/coredns/coredns/plugin/health"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/loadbalance"
	_ "github.com/coredns/coredns/plugin/log"
	_ "github.com/coredns/coredns/plugin/loop"
	_ "github.com/coredns/coredns/plugin/ready"
	_ "github.com/coredns/coredns/plugin/reload"
	_ "github.com/coredns/coredns/plugin/whoami"
)

// Upstream's directive list fixes the order plugins run in; keep that order, minus the plugins
// not linked in (a Corefile naming one of those is then refused at startup, not silently ignored).
var linked = map[string]bool{
	"cache": true, "errors": true, "forward": true, "health": true, "kubernetes": true,
	"loadbalance": true, "log": true, "loop": true, "ready": true, "reload": true, "whoami": true,
}

func init() {
	var kept []string
	for _, name := range dnsserver.Directives {
		if linked[name] {
			kept = append(kept, name)
		}
	}
	dnsserver.Directives = kept
}

func main() { coremain.Run() }
