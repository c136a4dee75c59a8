#!/usr/bin/env bash
# A real single-node Slurm cluster for the sweep tests (Debian 12: Slurm 22.05 + munge, no systemd).
#
#   bash scripts/slurm.sh start [DIR]   installs the packages if missing, writes slurm.conf and a munge key
#                                       into DIR (default /tmp/tinygrad-slurm), starts munged, slurmctld and
#                                       slurmd, waits until the node is idle; prints "export SLURM_CONF=..."
#                                       (so: eval "$(bash scripts/slurm.sh start)")
#   bash scripts/slurm.sh stop [DIR]    stops the daemons started from DIR (by their PID files) and waits
#
# Everything lives in DIR: config, munge socket and key, state, spool, logs, PID files. Nothing under
# /etc is changed, and stop kills only the PIDs written into DIR. CPUS (default: max(4, nproc)) sets the
# node's CPU count (config_overrides lets it exceed the hardware).
set -euo pipefail
cmd=${1:-}
dir=${2:-/tmp/tinygrad-slurm}
daemons=(slurmd slurmctld munged)

log() { echo "slurm.sh: $*" >&2; }

# A TCP port nothing listens on (from 20000 up, skipping taken ones).
free_port() {
  local p=$1
  while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done
  echo "$p"
}

install_packages() {
  local missing=()
  for p in slurmctld slurmd slurm-client munge; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    log "please install: ${missing[*]}"
    exit 1
  fi
  log "installing ${missing[*]}"
  source "$(dirname "${BASH_SOURCE[0]}")/apt.sh"
  apt_get update -qq
  DEBIAN_FRONTEND=noninteractive apt_get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

write_config() {
  local node cpus ctld_port slurmd_port
  node=$(hostname -s)
  cpus=${CPUS:-$(( $(nproc) > 4 ? $(nproc) : 4 ))}
  ctld_port=$(free_port 20817)
  slurmd_port=$(free_port $((ctld_port + 1)))
  mkdir -p "$dir/state" "$dir/spool" "$dir/log"
  cat >"$dir/slurm.conf" <<EOF
# Single-node test cluster written by scripts/slurm.sh (Slurm 22.05).
ClusterName=tinygrad
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
# Jobs run as the submitting user; CI submits as root.
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge.socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
# No cgroups and no systemd here.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
SwitchType=switch/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
# A dependency that can never be met (afterok on a failed job) cancels the dependent job.
DependencyParameters=kill_invalid_depend
ReturnToService=2
MinJobAge=600
SlurmdParameters=config_overrides
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=debug Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
  # munged wants its socket folder reachable by everyone.
  chmod 755 "$dir"
  [ -f "$dir/munge.key" ] || mungekey -c -k "$dir/munge.key"
}

# Whether the PID file of daemon $1 names a live process of that name (not a recycled PID).
running() { [ -f "$dir/$1.pid" ] && alive "$(cat "$dir/$1.pid")" "$1"; }

# Whether process $1 is named $2 and not a zombie (where nothing reaps exited daemons, they linger as such).
alive() { [ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ] && ! grep -q '^[0-9]* ([^)]*) Z' "/proc/$1/stat" 2>/dev/null; }

wait_idle() {
  local state=""
  for _ in $(seq 1 120); do
    state=$(sinfo --noheader --format=%t 2>/dev/null || true)
    case "$state" in idle | mix | alloc) return 0 ;; esac
    sleep 0.5
  done
  log "node did not become idle (state '$state'); logs in $dir/log"
  exit 1
}

start() {
  install_packages
  mkdir -p "$dir"
  for d in "${daemons[@]}"; do
    if running "$d"; then log "$d already runs from $dir (pid $(cat "$dir/$d.pid")); stop it first"; exit 1; fi
  done
  write_config
  export SLURM_CONF=$dir/slurm.conf
  trap 'log "start failed; stopping what it started"; stop' ERR
  munged --socket="$dir/munge.socket" --key-file="$dir/munge.key" --log-file="$dir/log/munged.log" \
    --pid-file="$dir/munged.pid" --seed-file="$dir/munged.seed"
  slurmctld -f "$SLURM_CONF"
  slurmd -f "$SLURM_CONF"
  wait_idle
  log "cluster up: $(sinfo --noheader --format='%P %D node(s) %c CPUs %t')"
  echo "export SLURM_CONF=$(printf %q "$SLURM_CONF")"
}

stop() {
  local pid
  for d in "${daemons[@]}"; do
    running "$d" || continue
    pid=$(cat "$dir/$d.pid")
    kill "$pid"
    for _ in $(seq 1 100); do alive "$pid" "$d" || break; sleep 0.1; done
    if alive "$pid" "$d"; then log "$d (pid $pid) did not stop; killing it"; kill -9 "$pid" || true; fi
    rm -f "$dir/$d.pid"
    log "stopped $d (pid $pid)"
  done
  return 0
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop [DIR]" >&2; exit 2 ;;
esac
