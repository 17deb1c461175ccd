// Package conformance only anchors the suite's module in this module's dependency graph; the
// binary is the suite's own test package (`go test -c sigs.k8s.io/gateway-api/conformance`).
package conformance

import _ "sigs.k8s.io/gateway-api/conformance"
