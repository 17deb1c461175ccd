// Command etcd is the etcd server, built from go.etcd.io/etcd/server/v3 for Portico's test API
// server (hack/k8s/build.sh). Upstream's own etcd binary is this same call in go.etcd.io/etcd/v3.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
