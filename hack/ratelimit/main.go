// The Envoy rate limit service: what its own src/service_cmd/main.go (a main
// package cannot be imported), so that the build is one `go build` of the pinned module.
// Settings come from the environment (USE_STATSD, REDIS_URL, RUNTIME_ROOT, …), read by
// settings.NewSettings.
package main

import (
	"github.com/envoyproxy/ratelimit/src/service_cmd/runner"
	"github.com/envoyproxy/ratelimit/src/settings"
)

func main() {
	r := runner.NewRunner(settings.NewSettings())
	r.Run()
}
