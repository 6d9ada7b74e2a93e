#!/usr/bin/env bash
# Multi-process training on one or more nodes with torchrun.
#   bash tools/dist_train.sh CONFIG NUM_PROCS [train.py args...]
# Environment: see tools/dist_run.sh.
if [ $# -lt 2 ]; then
    echo "usage: $0 CONFIG NUM_PROCS [train.py args...]" >&2
    exit 2
fi
exec bash "$(dirname "$0")/dist_run.sh" train.py "$2" "$1" "${@:3}"
