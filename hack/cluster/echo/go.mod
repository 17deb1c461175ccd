// echo-basic, the Gateway API conformance backend, from sigs.k8s.io/gateway-api/conformance
// (hack/cluster/build.sh). v1.7.0 moved its source to another repository; the v1.6.x program answers
// the same protocol and has the UDP echo mode the v1.7.0 manifests' v0.2.0 image runs.
// The conformance module requires sigs.k8s.io/gateway-api at a placeholder version (its own
// `replace => ../` does not apply to a dependency): the replace below pins the matching release.
module portico.local/hack/cluster/echo

go 1.26.0

tool sigs.k8s.io/gateway-api/conformance/echo-basic

replace sigs.k8s.io/gateway-api => sigs.k8s.io/gateway-api v1.6.3

require (
	golang.org/x/net v0.55.0 // indirect
	golang.org/x/sys v0.45.0 // indirect
	golang.org/x/text v0.37.0 // indirect
	google.golang.org/genproto/googleapis/rpc v0.0.0-20260427160629-7cedc36a6bc4 // indirect
	google.golang.org/grpc v1.81.1 // indirect
	google.golang.org/protobuf v1.36.12-0.20260120151049-f2248ac996af // indirect
	sigs.k8s.io/gateway-api/conformance v1.6.3 // indirect
)
