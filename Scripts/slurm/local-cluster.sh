#!/usr/bin/env bash
# A one-node Slurm cluster on localhost, for tests and for trying `subbit slurm` on one machine:
# munged, slurmctld and slurmd with a generated slurm.conf (the node's real CPUs and memory from
# `slurmd -C`, proctrack/linuxproc, task/none — no cgroups needed — state, spool, logs and the
# munge key and socket under DIR, ports picked free on 127.0.0.1).
#
#   Scripts/slurm/local-cluster.sh start DIR   # installs slurm-wlm + munge if missing, starts, waits for an idle node
#   export SLURM_CONF=DIR/slurm.conf           # then sbatch, squeue, scancel… talk to it
#   Scripts/slurm/local-cluster.sh stop DIR    # cancels its jobs, stops the three daemons by pid
#
# Exit status of start: 0 started; 3 cannot start here (not root, no package, a daemon refused),
# with one line "skip: <reason>" on stdout; anything else is a bug in this script.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cmd="${1:?usage: local-cluster.sh start|stop DIR}"
dir="${2:?usage: local-cluster.sh start|stop DIR}"

skip() { echo "skip: $*"; exit 3; }

stop() {
  export SLURM_CONF="$dir/slurm.conf"
  if [ -f "$dir/run/slurmctld.pid" ] && kill -0 "$(cat "$dir/run/slurmctld.pid")" 2>/dev/null; then
    scancel --user="$(id -un)" >/dev/null 2>&1 || true
    for _ in $(seq 1 20); do
      [ -z "$(squeue -h -t running,completing 2>/dev/null)" ] && break
      sleep 0.5
    done
  fi
  for daemon in slurmd slurmctld munged; do
    pidfile="$dir/run/$daemon.pid"
    [ -f "$pidfile" ] || continue
    pid="$(cat "$pidfile")"
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
      kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
  done
}

# The daemons inherit this script's open files; a caller that learns of the script's end from a
# descriptor closing (Foundation's Process does) would wait for the daemons. Keep 0-2 (and 255,
# bash's own handle on this script) only.
close_inherited_fds() {
  local fd
  for fd in $(ls /proc/$$/fd); do
    case "$fd" in 0|1|2|255) ;; *) eval "exec $fd>&-" 2>/dev/null || true ;; esac
  done
}

start() {
  close_inherited_fds
  [ "$(id -u)" -eq 0 ] || skip "the local cluster runs munged, slurmctld and slurmd as root; this is uid $(id -u)"
  "$here/setup-slurm.sh" >/dev/null 2>"$dir.setup-err" || skip "cannot install slurm-wlm and munge: $(tail -n1 "$dir.setup-err")"
  rm -f "$dir.setup-err"
  for tool in munged mungekey slurmctld slurmd sbatch squeue; do
    command -v "$tool" >/dev/null || skip "$tool is not installed after Scripts/slurm/setup-slurm.sh"
  done
  mkdir -p "$dir"/{key,socket,state,spool,log,run}
  # munged wants its key private and its socket's folders searchable by everyone.
  chmod 755 "$dir" "$dir/socket"
  chmod 700 "$dir/key"
  mungekey --create --keyfile="$dir/key/munge.key" 2>/dev/null || skip "mungekey cannot create a key"
  munged --key-file="$dir/key/munge.key" --socket="$dir/socket/munge.socket" --pid-file="$dir/run/munged.pid" \
    --log-file="$dir/log/munged.log" --seed-file="$dir/key/munged.seed" 2>"$dir/log/munged.err" \
    || skip "munged does not start: $(tail -n1 "$dir/log/munged.err")"

  read -r ctld_port slurmd_port < <(python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')
  # The node as slurmd sees it (CPUs, sockets, cores, threads, memory), renamed localhost.
  hardware="$(slurmd -C | head -n1 | sed 's/^NodeName=[^ ]* //')"
  cat > "$dir/slurm.conf" <<CONF
ClusterName=subbitlocal
SlurmctldHost=localhost(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
AuthType=auth/munge
CredType=cred/munge
# cred_expire also delays a requeued job's restart (default 120 s); short for tests.
AuthInfo=socket=$dir/socket/munge.socket,cred_expire=10
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
ReturnToService=2
MinJobAge=3600
NodeName=localhost NodeAddr=127.0.0.1 $hardware State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
  export SLURM_CONF="$dir/slurm.conf"
  slurmctld -f "$SLURM_CONF" 2>"$dir/log/slurmctld.err" || { stop; skip "slurmctld does not start: $(tail -n1 "$dir/log/slurmctld.err")"; }
  slurmd -f "$SLURM_CONF" -N localhost 2>"$dir/log/slurmd.err" || { stop; skip "slurmd does not start: $(tail -n1 "$dir/log/slurmd.err")"; }
  for _ in $(seq 1 60); do
    state="$(sinfo -h -n localhost -o %t 2>/dev/null || true)"
    if [ "$state" = "idle" ]; then
      echo "local-cluster: up (node localhost: $hardware; SLURM_CONF=$SLURM_CONF)"
      return 0
    fi
    sleep 0.5
  done
  last="$(tail -n1 "$dir/log/slurmd.log" 2>/dev/null || true)"
  stop
  skip "the node did not become idle in 30 s (state '${state:-none}'; slurmd: $last)"
}

case "$cmd" in
  start) mkdir -p "$dir"; start ;;
  stop) stop ;;
  *) echo "usage: local-cluster.sh start|stop DIR" >&2; exit 64 ;;
esac
