#!/bin/bash
# Start a private single-node Slurm cluster (munged, slurmctld, slurmd; Debian packages
# slurmctld slurmd slurm-client munge), run a command against it, and stop it again.
#
#   verification/slurm/run_single_node.sh STATE_DIR COMMAND [ARGS...]
#
# STATE_DIR must not exist yet or be empty: it gets the cluster's config, its munge key and
# socket, the StateSaveLocation, spool and logs, so runs never share state and never touch
# /etc/slurm or the system munge. COMMAND runs with SLURM_CONF pointing at the cluster once
# the node is idle; its exit status is the script's. The daemons are stopped by PID (kill(2)
# on each recorded PID, never a process group or a name) when the script exits, however it
# exits. Settings that work in unprivileged containers without systemd or cgroups:
# proctrack/linuxproc, task/none, select/cons_tres with CR_Core (several tasks per node),
# batch_sched_delay=0, RealMemory set to half the machine's.
set -euo pipefail

if [ $# -lt 2 ]; then
  echo "usage: $0 STATE_DIR COMMAND [ARGS...]" >&2
  exit 2
fi
for bin in munged slurmctld slurmd sbatch squeue sinfo; do
  if ! command -v "$bin" >/dev/null; then
    echo "$0: \`$bin\` not found; apt-get install -y --no-install-recommends slurmctld slurmd slurm-client munge" >&2
    exit 2
  fi
done

mkdir -p "$1"
state=$(cd "$1" && pwd)
shift
if [ -n "$(ls -A "$state")" ]; then
  echo "$0: $state is not empty; give a fresh folder" >&2
  exit 2
fi
chmod 700 "$state"
mkdir -p "$state/munge" "$state/save" "$state/spool" "$state/log"
chmod 700 "$state/munge"

pids=()
stop() {
  local status=$?
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    kill "${pids[i]}" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  if [ "$status" -ne 0 ]; then
    for log in "$state"/log/*.log; do
      [ -f "$log" ] && { echo "--- $log (last lines)" >&2; tail -n 20 "$log" >&2; }
    done
  fi
  exit "$status"
}
trap stop EXIT
trap 'exit 130' INT TERM

# munge with a fresh key and a private socket.
head -c 1024 /dev/urandom >"$state/munge/munge.key"
chmod 400 "$state/munge/munge.key"
munged -F --force --key-file="$state/munge/munge.key" --socket="$state/munge/socket" \
  --pid-file="$state/munge/munged.pid" --log-file="$state/log/munged.log" \
  --seed-file="$state/munge/seed" >"$state/log/munged.out" 2>&1 &
pids+=($!)

host=$(hostname -s)
cpus=$(nproc)
mem=$(awk '/^MemTotal:/ { print int($2 / 2048) }' /proc/meminfo)
port=$((20000 + RANDOM % 20000))
cat >"$state/slurm.conf" <<CONF
ClusterName=potmac
SlurmctldHost=$host
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=$(id -un)
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$state/munge/socket
StateSaveLocation=$state/save
SlurmdSpoolDir=$state/spool
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmctldLogFile=$state/log/slurmctld.log
SlurmdLogFile=$state/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerParameters=batch_sched_delay=0
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=potmac Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$state/slurm.conf"

for _ in $(seq 100); do
  [ -S "$state/munge/socket" ] && break
  sleep 0.05
done
slurmctld -D -f "$SLURM_CONF" >"$state/log/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" >"$state/log/slurmd.out" 2>&1 &
pids+=($!)

t0=$SECONDS
until [ "$(sinfo -h -o %T 2>/dev/null)" = idle ]; do
  if [ $((SECONDS - t0)) -gt 60 ]; then
    echo "$0: the node did not become idle within 60 s: $(sinfo -h -o '%T %E' 2>&1)" >&2
    exit 1
  fi
  for pid in "${pids[@]}"; do
    kill -0 "$pid" 2>/dev/null || { echo "$0: a daemon (PID $pid) exited" >&2; exit 1; }
  done
  sleep 0.1
done
echo "slurm: node $host idle after $((SECONDS - t0)) s ($cpus CPUs, ${mem} MB)" >&2

"$@"
