# Sourced by the set-up scripts: apt-get that waits for another apt or dpkg to finish (fresh machines
# often run unattended-upgrades or a cloud-init install at boot) instead of failing at once.
#
#   apt_get ARGS...      apt-get ARGS, after waiting up to APT_LOCK_WAIT seconds (default 300) for the
#                        apt/dpkg locks, saying every 10 s who holds them; dpkg's own lock is also
#                        waited for by apt (DPkg::Lock::Timeout), which does not cover the lists lock.

# The process holding an apt or dpkg lock, as "PID (name)"; nothing (and status 1) when none is held.
apt_lock_holder() {
  local f inode pid
  for f in /var/lib/dpkg/lock-frontend /var/lib/dpkg/lock /var/lib/apt/lists/lock /var/cache/apt/archives/lock; do
    [ -e "$f" ] || continue
    inode=$(stat -c %i "$f")
    # /proc/locks: "1: POSIX ADVISORY WRITE <pid> <major>:<minor>:<inode> 0 EOF" (blocked waiters add a "->" field).
    pid=$(awk -v inode="$inode" '{ for (i = 1; i <= NF; i++) if ($i ~ /^[0-9a-f]+:[0-9a-f]+:[0-9]+$/) { n = split($i, p, ":"); if (p[3] == inode) { print $(i - 1); exit } } }' /proc/locks 2>/dev/null)
    if [ -n "$pid" ]; then
      echo "$pid ($(cat "/proc/$pid/comm" 2>/dev/null || echo '?')) on $f"
      return 0
    fi
  done
  return 1
}

apt_get() {
  local limit=${APT_LOCK_WAIT:-300} start=$SECONDS holder status
  while true; do
    if ! holder=$(apt_lock_holder); then
      apt-get -o DPkg::Lock::Timeout="$limit" "$@" && return 0
      status=$?
      # Failed: retry only if another apt took a lock meanwhile (the lists lock is not waited for by apt).
      holder=$(apt_lock_holder) || return "$status"
    fi
    if [ $((SECONDS - start)) -ge "$limit" ]; then
      echo "apt: the apt/dpkg lock is still held by process $holder after ${limit}s; giving up" >&2
      return 1
    fi
    echo "apt: waiting for the apt/dpkg lock, held by process $holder ($((SECONDS - start))s of ${limit}s)" >&2
    sleep 10
  done
}
