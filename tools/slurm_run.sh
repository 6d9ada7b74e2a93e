#!/usr/bin/env bash
# Run tools/SCRIPT (train.py or test.py) on a Slurm cluster, one task per
# GPU; slurm_train.sh and slurm_test.sh call this.
#   bash tools/slurm_run.sh PARTITION JOB_NAME SCRIPT [SCRIPT args...]
# Environment: GPUS (8), GPUS_PER_NODE (8), CPUS_PER_TASK (5), SRUN_ARGS,
# PYTHON (python).
set -x

PARTITION=$1
JOB_NAME=$2
SCRIPT=$3
GPUS_PER_NODE=${GPUS_PER_NODE:-8}
TOOLS_DIR="$(cd "$(dirname "$0")" && pwd)"

PYTHONPATH="$TOOLS_DIR/..":$PYTHONPATH \
srun -p "${PARTITION}" \
    --job-name="${JOB_NAME}" \
    --gres=gpu:"${GPUS_PER_NODE}" \
    --ntasks="${GPUS:-8}" \
    --ntasks-per-node="${GPUS_PER_NODE}" \
    --cpus-per-task="${CPUS_PER_TASK:-5}" \
    --kill-on-bad-exit=1 \
    ${SRUN_ARGS:-} \
    "${PYTHON:-python}" -u "$TOOLS_DIR/$SCRIPT" "${@:4}" --launcher="slurm"
