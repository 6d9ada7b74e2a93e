"""DualCoOp logits against an independent re-implementation of the
released DualCoOp forward pass (full 77-token prompts, 1x1-convolution
projections, 2-way softmax over negative/positive logits), compared as
log-odds (see tests/models/parity.py: the probabilities of these logits all
lie within 1e-5 of 1).

With random weights this checks the formulas; set MMPRETRAIN_MLR_RN50 to a
local copy of OpenAI's RN50.pt to run the same check on the real weights.
"""
import os

import pytest
import torch
import torch.nn.functional as F
from mmpretrain.registry import MODELS

import mmpretrain_mlr  # noqa: F401
from tests.models.parity import assert_log_odds_close, log_odds

NAMES = ['person', 'dining table', 'potted plant', 'tv monitor']
TINY_RN = dict(embed_dim=32,
               vision_cfg=dict(layers=[1, 1, 1, 1], width=16, head_width=16,
                               image_size=224),
               text_cfg=dict(width=64, heads=4, layers=2))


def released_text_features(model, tokenizer, ctx, names):
    """[2C, D]: negative prompts then positive, full 77 tokens."""
    n_ctx = ctx.shape[-2]
    feats = []
    for ctx_set in (ctx[1], ctx[0]):  # negative first, as released
        ids = tokenizer([' '.join(['X'] * n_ctx) + f' {n}.' for n in names])
        emb = model.token_embedding(ids)
        prompts = torch.cat([emb[:, :1], ctx_set, emb[:, 1 + n_ctx:]], 1)
        x = prompts + model.positional_embedding
        x = model.ln_final(model.transformer(x, attn_mask=model.attn_mask))
        feats.append(x[torch.arange(len(names)), ids.argmax(-1)] @
                     model.text_projection)
    return torch.cat(feats)


def released_image_features(visual, images):
    """[B, D, hw + 1] with the attention pool's v/c projections as 1x1
    convolutions over (mean token, grid tokens) + interpolated positions."""
    x = visual.layer4(visual.layer3(visual.layer2(visual.layer1(
        visual.stem(images)))))
    b, c, h, w = x.shape
    x = x.reshape(b, c, h * w)
    x = torch.cat([x.mean(dim=2, keepdim=True), x], dim=2)  # [B, C, hw+1]
    pos = visual.attnpool.positional_embedding.T  # [C, 1 + 7*7]
    side = int((pos.shape[1] - 1)**0.5)
    grid = F.interpolate(pos[None, :, 1:].reshape(1, c, side, side),
                         size=(h, w), mode='bicubic', align_corners=False)
    x = x + torch.cat([pos[None, :, :1], grid.reshape(1, c, h * w)], 2)
    ap = visual.attnpool
    x = F.conv1d(x, ap.v_proj.weight[:, :, None], ap.v_proj.bias)
    return F.conv1d(x, ap.c_proj.weight[:, :, None], ap.c_proj.bias)


def released_log_odds(model, tokenizer, ctx, images):
    text = released_text_features(model, tokenizer, ctx, NAMES)
    text = text / text.norm(dim=-1, keepdim=True)
    image = released_image_features(model.visual, images)
    image = image / image.norm(dim=1, keepdim=True)
    output = 20 * F.conv1d(image, text[:, :, None])  # [B, 2C, N]
    c = len(NAMES)
    w_half = F.softmax(output[:, c:], dim=-1)
    output = 5 * (output * torch.cat([w_half, w_half], 1)).sum(-1)
    logits = output.reshape(-1, 2, c)  # [B, (negative, positive), C]
    # the released 2-way softmax's probability of 'positive' has log-odds
    # positive - negative
    return logits[:, 1] - logits[:, 0]


def build_classifier(clip_cfg):
    return MODELS.build(
        dict(type='CLIPPromptClassifier', class_names=NAMES, clip=clip_cfg,
             prompt_learner=dict(type='DualCoOpPromptLearner', n_ctx=16,
                                 class_specific=True, num_classes=4),
             head=dict(type='DualCoOpHead'))).eval()


def check_parity(classifier):
    torch.manual_seed(1)
    with torch.no_grad():
        classifier.prompt_learner.ctx.normal_(0, 0.02)
    images = torch.randn(2, 3, 448, 448)
    with torch.no_grad():
        logits = classifier(images, mode='tensor')  # [B, C]
        scores = torch.stack([
            s.pred_score for s in classifier.predict(images)])
        encoder = classifier.text_encoder
        model = torch.nn.Module()
        for name in ('token_embedding', 'positional_embedding', 'transformer',
                     'ln_final', 'text_projection', 'attn_mask'):
            setattr(model, name, getattr(encoder, name))
        model.visual = classifier.image_encoder.visual
        ref = released_log_odds(model, encoder.tokenizer,
                                classifier.prompt_learner.ctx, images)
    assert ref.shape == (2, 4)
    assert_log_odds_close(logits, ref)
    # the predicted scores still carry the logits (no saturation)
    assert_log_odds_close(log_odds(scores), ref)


def test_parity_tiny_random_rn():
    torch.manual_seed(0)
    check_parity(build_classifier(dict(arch=TINY_RN, quick_gelu=True)))


@pytest.mark.skipif(not os.environ.get('MMPRETRAIN_MLR_RN50'),
                    reason='set MMPRETRAIN_MLR_RN50 to OpenAI RN50.pt')
def test_parity_openai_rn50():
    check_parity(build_classifier(
        dict(model_name='RN50-quickgelu',
             pretrained=os.environ['MMPRETRAIN_MLR_RN50'])))
