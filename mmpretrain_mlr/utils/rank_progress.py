"""Which process of a distributed job stopped.

Every rank keeps a heartbeat (a background thread writing the time, its
host name and process id every second) and its last stage and iteration in
the process group's key-value store. When a collective times out, the ranks
still running read these entries and name the rank whose heartbeat stopped:
a process that is stopped (SIGSTOP, swapped out, stuck in a debugger) or
dead. A stopped process on the same machine is then killed, so that the
launcher (torchrun, srun) ends the job at once instead of waiting for it.
"""
import atexit
import os
import signal
import socket
import threading
import time
from typing import List, Optional

import torch.distributed as torch_dist

_HEARTBEAT = 'mmpretrain_mlr/heartbeat/{}'
_PROGRESS = 'mmpretrain_mlr/progress/{}'
_started = set()
_heartbeats = []  # (stop event, thread) of the running heartbeats


class StalledRankError(RuntimeError):
    """A collective operation timed out because a process stopped."""


def _store():
    """The default process group's store, or None outside a job."""
    if not (torch_dist.is_available() and torch_dist.is_initialized()):
        return None
    try:
        return torch_dist.distributed_c10d._get_default_store()
    except (AttributeError, RuntimeError, ValueError):
        return None


def start_heartbeat(interval: float = 1.0) -> bool:
    """Start this rank's heartbeat thread (once per process group).

    The thread is stopped and joined by :func:`stop_heartbeat`, which also
    runs at interpreter exit: a thread still inside a store call while the
    interpreter shuts down aborts the process ("terminate called without
    an active exception").

    Args:
        interval (float): Seconds between beats. Defaults to 1.

    Returns:
        bool: Whether a heartbeat runs (False outside a distributed job).
    """
    store = _store()
    if store is None:
        return False
    rank = torch_dist.get_rank()
    if id(store) in _started:
        return True
    _started.add(id(store))
    stop = threading.Event()

    def beat():
        while not stop.is_set():
            try:
                store.set(_HEARTBEAT.format(rank), f'{time.time():.3f} '
                          f'{socket.gethostname()} {os.getpid()}')
            except Exception:  # noqa: B902  store gone: the job is ending
                return
            stop.wait(interval)

    thread = threading.Thread(target=beat, name='rank-heartbeat',
                              daemon=True)
    _heartbeats.append((stop, thread))
    thread.start()
    return True


@atexit.register
def stop_heartbeat(timeout: float = 5.0) -> None:
    """Stop the heartbeat threads of this process and wait for them."""
    while _heartbeats:
        stop, thread = _heartbeats.pop()
        stop.set()
        thread.join(timeout)
    _started.clear()


def publish_progress(stage: str, step: int) -> None:
    """Record this rank's stage and iteration (no-op outside a job).

    Args:
        stage (str): E.g. ``'train'`` or ``'val'``.
        step (int): The iteration the rank is at.
    """
    store = _store()
    if store is not None:
        store.set(_PROGRESS.format(torch_dist.get_rank()), f'{stage} {step}')


def _read(store, key: str) -> Optional[str]:
    try:
        return store.get(key).decode() if store.check([key]) else None
    except RuntimeError:
        return None


def process_state(pid: int) -> Optional[str]:
    """State of a process on this machine: ``'exited'`` (gone, or a zombie
    its parent has not collected), ``'stopped'`` (SIGSTOP, a debugger) or
    None (running, or unknown).

    Args:
        pid (int): The process id.
    """
    try:
        with open(f'/proc/{pid}/stat') as f:
            # "pid (comm) state ...": comm may hold spaces and parentheses
            state = f.read().rsplit(')', 1)[1].split()[0]
        return {'Z': 'exited', 'X': 'exited', 'T': 'stopped',
                't': 'stopped'}.get(state)
    except FileNotFoundError:
        return 'exited'
    except (OSError, IndexError):
        pass
    try:  # no /proc (macOS)
        os.kill(pid, 0)
    except ProcessLookupError:
        return 'exited'
    except OSError:
        pass
    return None


def store_answers() -> bool:
    """Whether the process group's key-value store still answers. Without
    torchrun the store is served by rank 0's process, so a store that no
    longer answers means rank 0 is gone."""
    store = _store()
    if store is None:
        return False
    try:
        store.check([_HEARTBEAT.format(torch_dist.get_rank())])
        return True
    except Exception:  # noqa: B902  (connection refused / reset / closed)
        return False


def find_stalled_ranks(max_age: float = 5.0) -> List[dict]:
    """The other ranks whose heartbeat is older than ``max_age`` seconds or
    whose process (on this machine) has exited.

    Args:
        max_age (float): Heartbeat age, in seconds, that counts as stalled.
            Defaults to 5.

    Returns:
        list[dict]: ``rank``, ``age`` (None: never beat), ``host``, ``pid``,
        ``state`` (``'exited'``, ``'stopped'`` or None, for a process on
        this machine) and ``progress`` (e.g. ``'train 12'``) of each
        stalled rank.
    """
    store = _store()
    if store is None:
        return []
    now, stalled, own = time.time(), [], torch_dist.get_rank()
    for rank in range(torch_dist.get_world_size()):
        if rank == own:
            continue
        beat = _read(store, _HEARTBEAT.format(rank))
        stamp, host, pid = beat.split() if beat else (None, None, None)
        age = None if stamp is None else now - float(stamp)
        pid = None if pid is None else int(pid)
        state = process_state(pid) if pid and host == socket.gethostname() \
            else None
        if age is None or age > max_age or state == 'exited':
            stalled.append(dict(
                rank=rank, age=age, host=host, pid=pid, state=state,
                progress=_read(store, _PROGRESS.format(rank))))
    return stalled


def describe_stalled_ranks(max_age: float = 5.0) -> Optional[str]:
    """Name the other ranks whose heartbeat is older than ``max_age``
    seconds or whose process has exited.

    Args:
        max_age (float): See :func:`find_stalled_ranks`. Defaults to 5.

    Returns:
        str | None: E.g. ``'rank 1 (no heartbeat for 21 s; last at train
        iteration 3)'`` or ``'rank 1 (its process 4242 has exited; last at
        train iteration 20)'``, or None when no rank looks stalled.
    """
    parts = []
    for entry in find_stalled_ranks(max_age):
        where = f'; last at {entry["progress"].replace(" ", " iteration ")}' \
            if entry['progress'] else ''
        if entry.get('state') == 'exited':
            beat = f'its process {entry["pid"]} has exited'
        elif entry['age'] is None:
            beat = 'no heartbeat at all'
        else:
            beat = f'no heartbeat for {entry["age"]:.0f} s'
        parts.append(f'rank {entry["rank"]} ({beat}{where})')
    return ', '.join(parts) or None


def kill_local_stalled_ranks(max_age: float = 5.0) -> List[int]:
    """SIGKILL the stalled ranks that run on this machine.

    A stopped process ignores SIGTERM, so launchers wait their shutdown
    grace period (torchrun: 30 s) before killing it; the job is failing
    anyway, so it is ended now.

    Args:
        max_age (float): See :func:`find_stalled_ranks`. Defaults to 5.

    Returns:
        list[int]: The ranks killed.
    """
    killed = []
    for entry in find_stalled_ranks(max_age):
        if entry['host'] == socket.gethostname() and entry['pid'] and \
                entry['pid'] != os.getpid() and entry['state'] != 'exited':
            try:
                os.kill(entry['pid'], signal.SIGKILL)
                killed.append(entry['rank'])
            except (ProcessLookupError, PermissionError):
                pass
    return killed


def is_collective_timeout(err: BaseException) -> bool:
    """Whether ``err`` reads like a collective that timed out or lost a
    peer (gloo / NCCL wording)."""
    text = str(err).lower()
    return isinstance(err, RuntimeError) and any(
        word in text for word in ('timed out', 'timeout', 'connection closed',
                                  'connection reset', 'broken pipe',
                                  'watchdog'))


def _lost_peer(err: BaseException) -> bool:
    """Whether ``err`` says a peer's connection closed (it died) rather
    than that a collective timed out."""
    text = str(err).lower()
    return any(word in text for word in ('connection closed',
                                         'connection reset', 'broken pipe'))


def raise_if_stalled(err: BaseException, timeout=None,
                     max_age: float = 5.0) -> None:
    """Re-raise a collective timeout or a lost peer as
    :class:`StalledRankError` naming the stopped or dead rank(s); return
    for any other error.

    A rank that died is named at once when it ran on this machine (its
    process has exited); otherwise its heartbeat is given up to
    ``max_age`` seconds to age. When the job's key-value store no longer
    answers and the job was not started by torchrun, rank 0 (whose process
    serves the store) is named.

    Args:
        err (BaseException): The error a distributed run ended with.
        timeout (float, optional): The collective timeout, for the message.
        max_age (float): Heartbeat age that counts as stalled.
            Defaults to 5.
    """
    if not (_store() is not None and is_collective_timeout(err)):
        return
    own = torch_dist.get_rank()
    torchrun = 'TORCHELASTIC_RUN_ID' in os.environ
    if not store_answers():
        stalled = None if torchrun or own == 0 else (
            'rank 0 (the job\'s key-value store, which rank 0\'s process '
            'serves when the job is not started by torchrun, no longer '
            'answers: that process has ended)')
        killed = []
    else:
        stalled = describe_stalled_ranks(max_age)
        deadline = time.time() + max_age + 1
        while stalled is None and time.time() < deadline:
            time.sleep(0.25)  # a rank on another machine: let its beat age
            stalled = describe_stalled_ranks(max_age)
        killed = kill_local_stalled_ranks(max_age)
    if _lost_peer(err):
        what = 'lost the connection to another process during a ' \
            'collective operation'
    else:
        waited = f' after {timeout} s (env_cfg.dist_cfg.timeout)' \
            if timeout else ''
        what = f'a collective operation timed out{waited}'
    ended = f' Killed the stalled rank(s) {killed} on this machine.' \
        if killed else ''
    raise StalledRankError(
        f'Rank {own}: {what}: ' + (
            f'{stalled} stopped responding' if stalled else
            'another process stopped responding') +
        f'. Ending the job.{ended} Original error: {err}') from err
