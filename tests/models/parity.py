"""How a model test compares this package's outputs with a re-implementation
of released code: on log-odds (logits), never on probabilities.

CLIP-scale logits are large (10 to 20 for DualCoOp on random weights, more
with trained prompts): their sigmoids all lie within 1e-5 of 1 and float32's
are exactly 1 from a logit of about 17 on, so a tolerance on probabilities
cannot see a logit that is off by several units (a wrong logit scale, a
missing token, unnormalised features). A parity test therefore

- computes the reference's logits (or the log-odds of its probabilities,
  taken before anything saturates, e.g. ``pos - neg`` for a 2-way softmax
  over negative / positive), and
- compares them with the model's logits ``classifier(images,
  mode='tensor')`` and with the log-odds of its ``pred_score``, with
  :data:`LOGIT_ATOL`, which a logit error of 1e-3 exceeds.
"""
import torch

#: absolute tolerance on logits; float32 forward passes of the tiny test
#: models agree to about 1e-5
LOGIT_ATOL = 1e-4


def log_odds(scores: torch.Tensor) -> torch.Tensor:
    """``log(p / (1 - p))`` of sigmoid scores, in float64; infinite where a
    score has saturated to 0 or 1."""
    return torch.logit(scores.double())


def assert_log_odds_close(ours: torch.Tensor, reference: torch.Tensor,
                          atol: float = LOGIT_ATOL) -> None:
    """Fail unless two [B, C] logit tensors agree within ``atol``, naming
    the largest difference and where it is."""
    assert ours.shape == reference.shape, (ours.shape, reference.shape)
    diff = (ours.double() - reference.double()).abs()
    worst = int(diff.flatten().nan_to_num(float('inf')).argmax())
    where = divmod(worst, ours.shape[-1])
    assert float(diff.flatten()[worst]) <= atol, (
        f'logits differ by {float(diff.flatten()[worst]):.3g} > {atol} at '
        f'[image, class] = {list(where)}: ours '
        f'{float(ours.flatten()[worst]):.6f}, reference '
        f'{float(reference.flatten()[worst]):.6f}')
