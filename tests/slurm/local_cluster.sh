#!/usr/bin/env bash
# A real single-node SLURM cluster on this machine (Debian's slurmctld + slurmd, munge for authentication),
# to prove the Snakemake SLURM profile end to end. Needs root; installs the Debian packages when missing.
#   tests/slurm/local_cluster.sh start   # install if needed, write /etc/slurm/slurm.conf, start the daemons
#   tests/slurm/local_cluster.sh stop
# No accounting database (slurmdbd): the executor plugin reads job states with squeue (profile:
# slurm-status-command), and MinJobAge keeps finished jobs visible to squeue long enough.
set -euo pipefail

NODE=$(hostname -s)

install() {
    if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            slurmctld slurmd slurm-client munge >/dev/null
    fi
}

write_config() {
    local cpus memory
    cpus=$(nproc)
    # Leave 1 GiB to the system; slurmd refuses to start when the node has less than the config claims.
    memory=$(( $(awk '/MemTotal/ {print int($2 / 1024)}' /proc/meminfo) - 1024 ))
    mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm
    cat >/etc/slurm/slurm.conf <<CONF
ClusterName=firestorm-local
SlurmctldHost=${NODE}
AuthType=auth/munge
SlurmUser=root
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
ReturnToService=2
MinJobAge=3600
NodeName=${NODE} CPUs=${cpus} RealMemory=${memory} State=UNKNOWN
PartitionName=local Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
}

start() {
    install
    write_config
    if ! pgrep -x munged >/dev/null; then
        [ -s /etc/munge/munge.key ] || mungekey --create --force 2>/dev/null || create-munge-key -f
        chown munge:munge /etc/munge/munge.key && chmod 400 /etc/munge/munge.key
        mkdir -p /run/munge && chown munge:munge /run/munge
        runuser -u munge -- /usr/sbin/munged
    fi
    pgrep -x slurmctld >/dev/null || slurmctld -c -i
    pgrep -x slurmd >/dev/null || slurmd
    for _ in $(seq 60); do
        if sinfo -h -N -o '%T' 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; then
            sinfo
            return 0
        fi
        sleep 1
    done
    echo "slurm node did not become idle; see /var/log/slurm/" >&2
    sinfo -N -l >&2 || true
    exit 1
}

stop() {
    pkill -x slurmd || true
    pkill -x slurmctld || true
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
