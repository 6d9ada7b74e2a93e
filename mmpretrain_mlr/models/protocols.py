"""The optional methods and attributes a component may offer, in one place.

Callers (the classifier, hooks, the inferencer, tools) look them up on the
component; a component offers one by defining it with the signature given
here. Each protocol is ``runtime_checkable``, so a caller may test
``isinstance(component, Protocol)`` (presence of the members; signatures
are documented, not checked).

=========================  ====================  ==============================
member                     offered by            called by
=========================  ====================  ==============================
``needs_teacher``          head                  classifier (runs the frozen
                                                 teacher image encoder)
``init_from_class_         head                  classifier, once when built
embeddings``                                     (TRM-ML's queries)
``open_vocabulary``        head, prompt learner  classifier / inferencer
                                                 (refuse other vocabularies)
``class_heatmaps``         head                  inferencer (``heatmaps=True``)
``set_epoch``              head, loss            ``SetEpochHook``
``summarise_epoch``        head, loss            ``EpochSummaryHook``
``record_predictions``     loss                  ``TrainingSetInferenceHook``
``needs_sample_idx``       loss                  heads (pass ``sample_idx``)
``get_layer_depth``        classifier, image     layer-wise lr decay
                           encoder               (mmpretrain's constructor)
``frozen_pretrained_       classifier            ``FrozenWeightsHook``, small
state``                                          checkpoints
=========================  ====================  ==============================
"""
from typing import Dict, List, Optional, Protocol, Sequence, Tuple, \
    runtime_checkable

import torch


@runtime_checkable
class NeedsTeacher(Protocol):
    """A head whose loss reads a frozen teacher's image features
    (``feats.teacher``); the classifier runs its teacher encoder, without
    gradients, only in the training steps of such a head."""
    needs_teacher: bool


@runtime_checkable
class StartsFromClassEmbeddings(Protocol):
    """A head initialised from the class embeddings of the training
    vocabulary (e.g. TRM-ML's category queries). The classifier calls it
    once, when it is built, with normalised embeddings [S, C, D] (no
    gradient); loading a checkpoint afterwards overrides it."""

    def init_from_class_embeddings(self, text: torch.Tensor) -> None:
        ...


@runtime_checkable
class VocabularyAware(Protocol):
    """A head or prompt learner that states whether it can score a
    vocabulary other than its training one: False for per-class
    parameters (class-specific contexts, trained per-class queries, a
    linear classifier), True for class-agnostic ones (shared contexts,
    fixed templates, heads that only compare images with class
    embeddings). The classifier refuses another vocabulary, before
    scoring, when its prompt learner or head says False."""
    open_vocabulary: bool


@runtime_checkable
class ClassHeatmaps(Protocol):
    """A head that shows where it looks for each class."""

    def class_heatmaps(self, feats, image_size: Sequence[int]
                       ) -> torch.Tensor:
        """``feats`` as for ``forward``; (H, W) of the network input ->
        [B, C, h, w] maps, each summing to 1."""
        ...


@runtime_checkable
class EpochAware(Protocol):
    """A head or loss whose behaviour depends on the epoch (warm-ups,
    schedules); ``SetEpochHook`` calls it before each training epoch."""

    def set_epoch(self, epoch: int) -> None:
        ...


@runtime_checkable
class SummarisesEpoch(Protocol):
    """A head or loss with per-epoch figures (e.g. pseudo-label counts and
    precision); ``EpochSummaryHook`` logs them after each training
    epoch."""

    def summarise_epoch(self) -> Dict[str, float]:
        ...


@runtime_checkable
class RecordsPredictions(Protocol):
    """A loss that keeps per-image state from predictions over the whole
    training set (EM-APL); ``TrainingSetInferenceHook`` runs the model
    over the training set after each epoch and passes the scores."""

    def record_predictions(self, prob: torch.Tensor, observed: torch.Tensor,
                           sample_idx: torch.Tensor) -> None:
        ...


@runtime_checkable
class NeedsSampleIndex(Protocol):
    """A loss with per-image state: called with ``sample_idx`` [B] (the
    dataset indices) when ``needs_sample_idx`` is True."""
    needs_sample_idx: bool


@runtime_checkable
class LayerDepth(Protocol):
    """Numbers parameters for layer-wise learning-rate decay
    (mmpretrain's ``LearningRateDecayOptimWrapperConstructor``)."""

    def get_layer_depth(self, param_name: str,
                        prefix: str = '') -> Tuple[int, int]:
        """-> ``(layer_id, num_layers)``."""
        ...


@runtime_checkable
class FrozenPretrained(Protocol):
    """A model whose frozen pretrained weights are restored when it is
    built, so checkpoints may leave them out."""

    def frozen_pretrained_state(self) -> Optional[Tuple[dict, List[str]]]:
        """-> ``(source, state-dict keys)`` or None (random weights)."""
        ...
