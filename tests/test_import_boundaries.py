"""Data flows one way: nothing under models/ or evaluation/ imports the
datasets package."""
import ast
import os
import os.path as osp

PACKAGE = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))),
                   'mmpretrain_mlr')


def imported_modules(path, package):
    """Absolute names of the modules a file imports."""
    tree = ast.parse(open(path).read(), path)
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package.split('.')
            if node.level:
                base = base[:len(base) - node.level + 1]
                module = '.'.join(base + ([node.module] if node.module
                                          else []))
            else:
                module = node.module
            names.append(module)
            names += [f'{module}.{alias.name}' for alias in node.names]
    return names


def test_models_and_evaluation_do_not_import_datasets():
    offenders = []
    for part in ('models', 'evaluation'):
        for root, _, files in os.walk(osp.join(PACKAGE, part)):
            for name in files:
                if not name.endswith('.py'):
                    continue
                path = osp.join(root, name)
                rel = osp.relpath(path, osp.dirname(PACKAGE))[:-3]
                package = rel.replace(os.sep, '.')
                if name != '__init__.py':
                    package = package.rsplit('.', 1)[0]
                offenders += [
                    (rel, m) for m in imported_modules(path, package)
                    if m.startswith('mmpretrain_mlr.datasets')
                ]
    assert offenders == []


def test_the_scan_sees_a_relative_import_of_datasets():
    # the check above must be able to fail: a relative import from a
    # module two levels down resolves to mmpretrain_mlr.datasets
    import tempfile
    with tempfile.NamedTemporaryFile('w', suffix='.py', delete=False) as f:
        f.write('from ...datasets.vocabulary import read_name_list\n')
    assert 'mmpretrain_mlr.datasets.vocabulary' in imported_modules(
        f.name, 'mmpretrain_mlr.models.classifiers')
    os.unlink(f.name)
