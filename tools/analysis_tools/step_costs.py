"""What a training step costs, for ``benchmark_train_step.py``: which
callables of a model are its stages (image tower, text side, head, loss),
a clock that wraps them, timing each and counting the bytes it saves for
backward, and the peak memory of the device it runs on."""
import functools
import platform
import time
from collections import defaultdict
from contextlib import contextmanager
from typing import Dict, List, Optional

import torch

from mmpretrain_mlr.utils.amp import autocast_context, device_type


def stage_callables(model) -> List[tuple]:
    """``(segment, owner, attribute)`` of each stage the model has."""
    found = []

    def add(segment, owner, name):
        if owner is not None and callable(getattr(owner, name, None)):
            found.append((segment, owner, name))

    if hasattr(model, 'image_encoder'):  # CLIPPromptClassifier and kin
        add('image tower', model.image_encoder, 'forward')
        add('image tower', getattr(model, 'teacher_image_encoder', None),
            'forward')
    else:  # mmpretrain ImageClassifier: backbone + neck
        add('image tower', model, 'extract_feat')
    add('text side', model, 'text_features')
    head = model.head
    add('head', head, 'head_outputs' if hasattr(head, 'head_outputs')
        else 'forward')
    add('loss', head, '_get_targets')
    add('loss', head, '_get_loss')
    return found


class StageClock:
    """Wall time and bytes saved for backward per segment of a step.

    A stage's callables are wrapped (:meth:`instrument`); a stage called
    inside another counts to the outer one. Saved bytes are counted by a
    ``saved_tensors_hooks`` pack hook: each storage once per step,
    parameters left out.

    Args:
        device (str): where the model runs; CUDA is synchronised around
            each stage.
    """

    def __init__(self, device: str):
        self.cuda = device_type(device) == 'cuda'
        self.times: Dict[str, float] = defaultdict(float)
        self.saved: Dict[str, int] = defaultdict(int)
        self.current: Optional[str] = None
        self._seen = set()
        self._params = set()

    def synchronize(self):
        if self.cuda:
            torch.cuda.synchronize()

    def instrument(self, model, compile_backend: Optional[str] = None):
        """Wrap the model's stage callables; with ``compile_backend``,
        compile the image tower and head stages first (the clock stays
        outside the compiled code)."""
        self._params = {p.untyped_storage().data_ptr()
                        for p in model.parameters()}
        for segment, owner, name in stage_callables(model):
            fn = getattr(owner, name)
            if compile_backend and segment in ('image tower', 'head'):
                fn = torch.compile(fn, backend=compile_backend)
            setattr(owner, name, self._timed(segment, fn))

    def _timed(self, segment: str, fn):
        @functools.wraps(fn)
        def timed(*args, **kwargs):
            if self.current is not None:
                return fn(*args, **kwargs)
            with self.measure(segment):
                self.current = segment
                try:
                    return fn(*args, **kwargs)
                finally:
                    self.current = None
        return timed

    @contextmanager
    def measure(self, segment: str):
        self.synchronize()
        start = time.perf_counter()
        yield
        self.synchronize()
        self.times[segment] += time.perf_counter() - start

    def new_step(self):
        self._seen = set()

    def pack(self, tensor: torch.Tensor) -> torch.Tensor:
        storage = tensor.untyped_storage()
        key = storage.data_ptr()
        if key not in self._seen and key not in self._params:
            self._seen.add(key)
            self.saved[self.current or 'other'] += storage.nbytes()
        return tensor


def train_step(model, images, samples, clock: StageClock, amp: str,
               device: str, scaler=None, count_saved: bool = True) -> None:
    """One training step as the runner takes it (without the optimizer
    update), each segment timed by ``clock``."""
    clock.new_step()
    saving = (torch.autograd.graph.saved_tensors_hooks(
        clock.pack, lambda t: t) if count_saved else _no_context())
    with clock.measure('forward'), autocast_context(amp, device), saving:
        losses = model(images, samples, mode='loss')
        total, _ = model.parse_losses(losses)
    with clock.measure('backward'):
        (scaler.scale(total) if scaler is not None else total).backward()
    model.zero_grad(set_to_none=True)


@contextmanager
def _no_context():
    yield


def resident_mib(field: str) -> float:
    """``VmRSS`` / ``VmHWM`` of this process in MiB."""
    with open('/proc/self/status') as f:
        line = next(line for line in f if line.startswith(field))
    return int(line.split()[1]) / 1024


def reset_peak_memory(device: str) -> float:
    """Start a peak-memory window; returns the memory in use (MiB)."""
    if device_type(device) == 'cuda':
        torch.cuda.reset_peak_memory_stats()
        return torch.cuda.memory_allocated() / 2**20
    with open('/proc/self/clear_refs', 'w') as f:
        f.write('5')  # resets VmHWM to the current resident size
    return resident_mib('VmRSS')


def peak_memory(device: str) -> float:
    if device_type(device) == 'cuda':
        return torch.cuda.max_memory_allocated() / 2**20
    return resident_mib('VmHWM')


def device_name(device: str) -> str:
    if device_type(device) == 'cuda':
        return torch.cuda.get_device_name(torch.device(device))
    model = platform.processor() or 'CPU'
    try:
        with open('/proc/cpuinfo') as f:
            model = next(line.split(':', 1)[1].strip() for line in f
                         if line.startswith('model name'))
    except (OSError, StopIteration):
        pass
    return f'{model}, {torch.get_num_threads()} threads'
