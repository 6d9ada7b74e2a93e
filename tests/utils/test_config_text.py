"""FormatOnceConfig: mmengine's formatted config text, formatted once per
content."""
import copy

from mmengine.config import Config

from mmpretrain_mlr.utils.config_text import FormatOnceConfig


def test_same_text_as_mmengine_and_formatted_once(monkeypatch):
    plain = Config(dict(model=dict(type='A', depth=50), lr=0.1,
                        steps=[1, 2]))
    cfg = copy.deepcopy(FormatOnceConfig.of(copy.deepcopy(plain)))
    assert isinstance(cfg, FormatOnceConfig)  # deep copies keep the class
    assert cfg.pretty_text == plain.pretty_text
    import mmengine.config.config as config_module
    calls = []
    format_code = config_module.FormatCode
    monkeypatch.setattr(config_module, 'FormatCode',
                        lambda *a, **k: calls.append(1) or format_code(*a,
                                                                       **k))
    cfg.pretty_text
    assert calls == []  # the first text is reused
    cfg.lr = 0.2  # a changed content is formatted again
    assert cfg.pretty_text == Config(cfg.to_dict()).pretty_text
    assert 'lr = 0.2' in cfg.pretty_text and len(calls) == 2
