"""Which weights a checkpoint leaves out, their hash, and putting them back."""
import open_clip
import pytest
import torch
import torch.nn as nn
from mmengine.registry import init_default_scope
from mmpretrain.registry import MODELS

from mmpretrain_mlr.utils.frozen_weights import (FrozenWeightsMismatchError,
                                                 frozen_state_keys,
                                                 leave_out_frozen_weights,
                                                 restore_frozen_weights,
                                                 tensors_hash)
from tests.models.conftest import RN_ARCH


def test_frozen_keys_are_frozen_parameters_and_still_statistics():
    model = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3),
                          nn.BatchNorm1d(3), nn.BatchNorm1d(3))
    model[1].requires_grad_(False)
    model[1].eval()  # frozen and still: statistics never change
    model[2].requires_grad_(False)  # frozen, but its statistics update
    model[3].eval()  # still, but trained
    assert frozen_state_keys(model) == [
        '1.weight', '1.bias', '1.running_mean', '1.running_var',
        '1.num_batches_tracked', '2.weight', '2.bias']


def test_hash_covers_names_values_and_types_not_order():
    a = {'x': torch.arange(4.), 'y': torch.ones(2, dtype=torch.int64)}
    same = {'y': a['y'].clone(), 'x': a['x'].clone()}
    assert tensors_hash(a) == tensors_hash(same)
    changed = dict(a, x=torch.tensor([0., 1., 2., 3.0000002]))
    renamed = {'z': a['x'], 'y': a['y']}
    retyped = dict(a, x=a['x'].double())
    digests = {tensors_hash(d) for d in (a, changed, renamed, retyped)}
    assert len(digests) == 4


def clip_file(path, seed):
    torch.manual_seed(seed)
    torch.save(open_clip.CLIP(**RN_ARCH).state_dict(), path)
    return str(path)


def classifier(pretrained, teacher=False):
    init_default_scope('mmpretrain')
    return MODELS.build(dict(
        type='CLIPPromptClassifier', class_names=['cat', 'dog', 'bird'],
        clip=dict(arch=RN_ARCH, pretrained=pretrained),
        prompt_learner=dict(type='DualCoOpPromptLearner', n_ctx=4),
        teacher_image_encoder=dict(type='CLIPImageEncoder')
        if teacher else None))


@pytest.fixture(scope='module')
def weights(tmp_path_factory):
    folder = tmp_path_factory.mktemp('clip')
    return clip_file(folder / 'a.pt', 0), clip_file(folder / 'b.pt', 1)


def test_classifier_leaves_out_its_frozen_clip_towers_and_teacher(weights):
    model = classifier(weights[0], teacher=True)
    source, keys = model.frozen_pretrained_state()
    assert source == dict(clip=dict(arch=model.clip_source['arch'],
                                    pretrained=weights[0]))
    towers = ('text_encoder.', 'image_encoder.', 'teacher_image_encoder.')
    expected = [k for k in model.state_dict() if k.startswith(towers)]
    assert keys == expected
    assert any(k.startswith('teacher_image_encoder.') for k in keys)
    trained = [n for n, p in model.named_parameters() if p.requires_grad]
    assert trained and not set(trained) & set(keys)
    assert classifier(None).frozen_pretrained_state() is None


def test_round_trip_and_refusal_of_other_frozen_weights(weights):
    model = classifier(weights[0])
    full = {k: v.clone() for k, v in model.state_dict().items()}
    checkpoint = dict(meta={}, state_dict=dict(full))
    left_out = leave_out_frozen_weights(model, checkpoint)
    record = checkpoint['meta']['frozen_weights']
    assert left_out == len(record['keys']) > 0
    assert set(checkpoint['state_dict']) == set(full) - set(record['keys'])

    rebuilt = classifier(weights[0])
    assert restore_frozen_weights(rebuilt, checkpoint, 'x.pth') == left_out
    assert checkpoint['state_dict'].keys() == full.keys()
    assert all(torch.equal(checkpoint['state_dict'][k], full[k])
               for k in full)

    other = classifier(weights[1])
    small = dict(meta={}, state_dict=dict(full))
    leave_out_frozen_weights(model, small)
    with pytest.raises(FrozenWeightsMismatchError) as info:
        restore_frozen_weights(other, small, 'epoch_2.pth')
    message = str(info.value)
    assert "'epoch_2.pth'" in message and record['sha256'] in message
    assert weights[1] in message and 'save_frozen=True' in message


def test_random_weights_and_full_checkpoints_are_kept_whole(weights):
    random_model = classifier(None)
    checkpoint = dict(meta={}, state_dict=random_model.state_dict())
    assert leave_out_frozen_weights(random_model, checkpoint) == 0
    assert 'frozen_weights' not in checkpoint['meta']
    assert restore_frozen_weights(classifier(weights[1]), checkpoint) == 0
