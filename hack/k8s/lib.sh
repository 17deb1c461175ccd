# shellcheck shell=bash
# Process bookkeeping shared by hack/k8s/up.sh and down.sh (sourced; expects BIN, RUN and log).
# A PID file counts only while its process is alive and is one of the binaries in $BIN: after a
# crash or reboot the PID may belong to an unrelated program, which must never be signalled.

# The binary NAME runs from: $BIN/NAME unless the sourcing script defined its own expected_exe
# (hack/cluster runs containerd from /usr/bin).
declare -F expected_exe >/dev/null || expected_exe() { echo "$BIN/$1"; }

# Prints the PID of $BIN/$1 from $RUN/$1.pid; a stale PID file is removed.
pid_of() {
  local name=$1 pid exe want
  [[ -f $RUN/$name.pid ]] || return 1
  pid=$(<"$RUN/$name.pid")
  exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || exe=
  want=$(expected_exe "$name")
  # " (deleted)": the binary was rebuilt (replaced) while this process kept running.
  if [[ $pid =~ ^[0-9]+$ && ($exe == "$want" || $exe == "$want (deleted)") ]]; then
    echo "$pid"
    return 0
  fi
  log "removing stale $RUN/$name.pid (process ${pid:-?} is gone or is not $name)"
  rm -f "$RUN/$name.pid"
  return 1
}

running() { pid_of "$1" >/dev/null; }

# True when $1 runs an older build than the one now in $BIN.
outdated() {
  local pid
  pid=$(pid_of "$1") && [[ $(readlink "/proc/$pid/exe" 2>/dev/null) == *" (deleted)" ]]
}

# stop NAME [SIGNAL]: SIGNAL (default TERM), then SIGKILL if NAME is still there 15 s later; returns
# once the process is gone.
stop() {
  local name=$1 sig=${2:-TERM} pid i
  pid=$(pid_of "$name") || return 0
  log "stopping $name (PID $pid)"
  kill "-$sig" "$pid" 2>/dev/null || true
  for ((i = 0; i < 150; i++)); do
    alive "$pid" || break
    sleep 0.1
  done
  if alive "$pid"; then
    log "$name (PID $pid) still running 15s after SIG$sig: SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    while alive "$pid"; do sleep 0.1; done
  fi
  rm -f "$RUN/$name.pid"
}

# A zombie (exited, not yet reaped) has no exe link: it counts as gone.
alive() { [[ -n $(readlink "/proc/$1/exe" 2>/dev/null) ]]; }
