"""localisation_score.py: the rows of each model carry a name that tells
the models apart."""
TOOL = 'localisation_score'


def test_models_are_named_by_config_or_by_its_folder(script):
    configs = ['configs/demo/dualcoop_scenes.py',
               'work_dirs/trm_ml_p01/config.py',
               'work_dirs/dualcoop/config.py']
    # a config file name of its own stays; work dirs' config.py files are
    # told apart by their folders
    assert script.model_names(configs) == [
        'dualcoop_scenes', 'trm_ml_p01', 'dualcoop']
