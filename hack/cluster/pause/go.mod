// The pod sandbox image's program (hack/cluster/build.sh); standard library only.
module portico.local/hack/cluster/pause

go 1.26.0
