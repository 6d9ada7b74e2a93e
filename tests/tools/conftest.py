"""Import the scripts under tools/analysis_tools as modules."""
import importlib
import os.path as osp
import sys

import pytest

ANALYSIS_TOOLS = osp.join(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))), 'tools', 'analysis_tools')


def import_analysis_tool(name):
    """The module of ``tools/analysis_tools/<name>.py``, imported with the
    folder on ``sys.path`` for the duration of the import only."""
    sys.path.insert(0, ANALYSIS_TOOLS)
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(ANALYSIS_TOOLS)


@pytest.fixture(scope='module')
def script(request):
    """The analysis tool a test module names in ``TOOL``."""
    return import_analysis_tool(request.module.TOOL)
