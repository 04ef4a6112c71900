# A single-node Slurm cluster of the test's own (Debian's slurm-wlm 22.05 and
# munge), in DIR: munged with a key it generates, slurmctld and slurmd as root with
# a slurm.conf written there, on ports of their own.  The node has 2 CPUs whatever
# the machine has (config_overrides), so that jobs of one CPU run two at a time
# everywhere.  SLURM_CONF points sbatch, squeue and scontrol at it.  stop_slurm DIR stops every daemon by its pid.
start_slurm() {   # DIR
  local d=$1 host port
  host=$(hostname -s) port=$(shuf -i 20000-39998 -n 1)
  mkdir -p "$d/state" "$d/spool"
  head -c 1024 /dev/urandom > "$d/munge.key"
  chmod 600 "$d/munge.key"
  # --force: bats's temp directories are private (0700), where munged wants a socket
  # every user can reach; only root uses this one.
  munged --force --key-file="$d/munge.key" --socket="$d/munge.sock" --pid-file="$d/munged.pid" \
    --log-file="$d/munged.log" --seed-file="$d/munged.seed"
  cat > "$d/slurm.conf" <<EOF
ClusterName=aiopt-test
SlurmctldHost=$host
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$d/munge.sock
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$port
SlurmdPort=$((port + 1))
StateSaveLocation=$d/state
SlurmdSpoolDir=$d/spool
SlurmctldPidFile=$d/slurmctld.pid
SlurmdPidFile=$d/slurmd.pid
SlurmctldLogFile=$d/slurmctld.log
SlurmdLogFile=$d/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
SlurmdParameters=config_overrides
NodeName=$host CPUs=2 RealMemory=$(free -m | awk '/^Mem:/ { print $2 }') State=UNKNOWN
PartitionName=aiopt Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
  export SLURM_CONF=$d/slurm.conf
  slurmctld -i
  slurmd
  for _ in $(seq 150); do
    [ "$(sinfo -h -o %T 2>/dev/null)" = idle ] && return 0
    sleep 0.2
  done
  echo "the test's Slurm cluster did not come up within 30 s: $(tail -n 3 "$d/slurmctld.log" "$d/slurmd.log")" >&2
  return 1
}

stop_slurm() {   # DIR
  local d=$1 daemon pid
  for daemon in slurmd slurmctld munged; do
    [ -s "$d/$daemon.pid" ] || continue
    pid=$(cat "$d/$daemon.pid")
    kill "$pid" 2>/dev/null || continue
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
}
