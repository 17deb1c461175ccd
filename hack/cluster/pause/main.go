// The pod sandbox's "pause" process, as containerd's sandbox_image runs it: it holds the Pod's
// namespaces open and does nothing else until it is told to stop. As PID 1 of the sandbox it also
// reaps any orphaned child (none is expected; a zombie would otherwise stay forever).
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	children := make(chan os.Signal, 1)
	signal.Notify(children, syscall.SIGCHLD)
	for {
		select {
		case <-stop:
			return
		case <-children:
			for {
				pid, err := syscall.Wait4(-1, nil, syscall.WNOHANG, nil)
				if pid <= 0 || err != nil {
					break
				}
			}
		}
	}
}
