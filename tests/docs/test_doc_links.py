"""Every relative link, every repository path and every ``python tools/...``
command named in README.md, docs/ and the method pages exists.

The checker reads Markdown as text: relative links and images (with their
``#anchor`` when they point at a Markdown file), paths starting with one of
the repository's top folders (``configs/``, ``tools/``, ``mmpretrain_mlr/``,
``tests/``, ``docs/``; braces ``{a,b}`` expanded, ``*`` globbed), and
``python -m module`` commands. Placeholders (``configs/<method>/...``) are
skipped. The last tests plant broken paths in a scratch file and check that
each one is reported.
"""
import glob
import itertools
import os.path as osp
import re

import pytest

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOP_FOLDERS = ('configs', 'tools', 'mmpretrain_mlr', 'tests', 'docs')

LINK = re.compile(r'!?\[[^\]]*\]\(\s*([^)\s]+)(?:\s+"[^"]*")?\s*\)')
# a path starting with a top folder, not inside another path or a URL
PATH = re.compile(r'(?<![\w./-])((?:' + '|'.join(TOP_FOLDERS) +
                  r')/[\w./{},*<>-]*)')
MODULE = re.compile(r'python\S*\s+-m\s+(mmpretrain_mlr(?:\.\w+)+)')
HEADING = re.compile(r'^#{1,6}\s+(.*?)\s*#*\s*$')


def markdown_files(root=REPO_ROOT):
    """README.md, every page under docs/ and every method page."""
    files = [osp.join(root, 'README.md')]
    files += sorted(glob.glob(osp.join(root, 'docs', '**', '*.md'),
                              recursive=True))
    files += sorted(glob.glob(osp.join(root, 'configs', '*', 'README.md')))
    return [f for f in files if osp.isfile(f)]


def expand_braces(text):
    """``a/{b,c}.py`` -> ``['a/b.py', 'a/c.py']`` (nested and repeated
    groups too)."""
    match = re.search(r'\{([^{}]*)\}', text)
    if match is None:
        return [text]
    head, tail = text[:match.start()], text[match.end():]
    return list(itertools.chain.from_iterable(
        expand_braces(head + part + tail)
        for part in match.group(1).split(',')))


def slug(heading):
    """The anchor GitHub and MkDocs give a heading (for the headings used
    here they agree)."""
    text = re.sub(r'[`*_]|<[^>]+>', '', heading).strip().lower()
    text = re.sub(r'[^\w\- ]', '', text)
    return re.sub(r'\s+', '-', text)


def anchors(md_file):
    """The anchors of a Markdown file's headings (code blocks skipped)."""
    found, fenced = set(), False
    with open(md_file, encoding='utf-8') as f:
        for line in f:
            if line.lstrip().startswith('```'):
                fenced = not fenced
                continue
            match = None if fenced else HEADING.match(line)
            if match:
                found.add(slug(match.group(1)))
    return found


def link_problems(md_file, text):
    problems = []
    base = osp.dirname(md_file)
    for target in LINK.findall(text):
        if re.match(r'[a-z][a-z0-9+.-]*:', target) or target.startswith('//'):
            continue  # http:, https:, mailto:
        path, _, anchor = target.partition('#')
        full = osp.normpath(osp.join(base, path)) if path else md_file
        if not osp.exists(full):
            problems.append(f'link {target!r}: {osp.relpath(full, REPO_ROOT)} '
                            'does not exist')
        elif anchor and full.endswith('.md') and anchor not in anchors(full):
            problems.append(f'link {target!r}: no heading with anchor '
                            f'#{anchor} in {osp.relpath(full, REPO_ROOT)}')
    return problems


def path_problems(root, text):
    problems = []
    for token in set(PATH.findall(text)):
        token = token.rstrip('.,:;')
        if '<' in token or '>' in token:
            continue  # a placeholder such as configs/<method>/README.md
        for path in expand_braces(token):
            full = osp.join(root, path)
            if '*' in path:
                if not glob.glob(full):
                    problems.append(f'path {path!r} matches nothing')
            elif not osp.exists(full):
                problems.append(f'path {path!r} does not exist')
    for module in set(MODULE.findall(text)):
        stem = osp.join(root, *module.split('.'))
        if not (osp.isfile(stem + '.py')
                or osp.isfile(osp.join(stem, '__main__.py'))):
            problems.append(f'module {module!r} (python -m) does not exist')
    return problems


def command_problems(root, text):
    """``python tools/x.py`` / ``bash tools/x.sh``: the script is a file."""
    problems = []
    for script in set(re.findall(
            r'(?:python\S*|bash)\s+((?:tools|configs)/[\w./-]+)', text)):
        if not osp.isfile(osp.join(root, script)):
            problems.append(f'command script {script!r} is not a file')
    return problems


def problems_of(md_file, root=REPO_ROOT):
    """Everything named in one Markdown file that does not exist."""
    with open(md_file, encoding='utf-8') as f:
        text = f.read()
    return (link_problems(md_file, text) + path_problems(root, text)
            + command_problems(root, text))


@pytest.mark.parametrize(
    'md_file', markdown_files(),
    ids=lambda f: osp.relpath(f, REPO_ROOT))
def test_everything_named_exists(md_file):
    problems = problems_of(md_file)
    assert not problems, (f'{osp.relpath(md_file, REPO_ROOT)}:\n  '
                          + '\n  '.join(sorted(problems)))


def test_docs_pages_are_in_the_site_navigation():
    """Every page under docs/ is in mkdocs.yml's nav (MkDocs builds pages
    left out of it, but nobody finds them)."""
    with open(osp.join(REPO_ROOT, 'mkdocs.yml')) as f:
        nav = f.read()
    pages = [osp.relpath(p, osp.join(REPO_ROOT, 'docs'))
             for p in glob.glob(osp.join(REPO_ROOT, 'docs', '**', '*.md'),
                                recursive=True)]
    missing = [p for p in pages if f': {p}' not in nav]
    assert not missing, f'docs pages missing from mkdocs.yml nav: {missing}'


def test_readme_is_short_and_keeps_the_ci_command():
    with open(osp.join(REPO_ROOT, 'README.md')) as f:
        readme = f.read()
    assert readme.count('\n') <= 300
    with open(osp.join(REPO_ROOT, '.ci', 'run')) as f:
        ci_commands = [line.strip() for line in f
                       if line.startswith('python3 -m venv')]
    assert ci_commands, '.ci/run has no install-and-test command'
    for command in ci_commands:
        assert command in readme, f'.ci/run runs {command!r}, which the ' \
            'README does not show'


# ------------------------------------------------------- test of the test
@pytest.fixture
def scratch(tmp_path):
    """A tiny repository: README.md, docs/guide.md, a config, a tool."""
    (tmp_path / 'docs').mkdir()
    (tmp_path / 'configs' / 'm').mkdir(parents=True)
    (tmp_path / 'tools').mkdir()
    (tmp_path / 'configs' / 'm' / 'coco.py').write_text('')
    (tmp_path / 'configs' / 'm' / 'voc.py').write_text('')
    (tmp_path / 'tools' / 'train.py').write_text('')
    (tmp_path / 'docs' / 'guide.md').write_text('# Guide\n\n## Two words\n')
    return tmp_path


def check(root, text):
    md_file = root / 'README.md'
    md_file.write_text(text)
    return problems_of(str(md_file), root=str(root))


def test_checker_accepts_what_exists(scratch):
    assert check(scratch, (
        'See [the guide](docs/guide.md#two-words) and '
        '[a site](https://example.org/x.md).\n'
        '```bash\npython tools/train.py configs/m/{coco,voc}.py\n```\n'
        'Placeholders pass: `configs/<method>/README.md`, '
        '`configs/m/*.py`.\n')) == []


@pytest.mark.parametrize('text, expected', [
    ('[guide](docs/gide.md)', "link 'docs/gide.md'"),
    ('[guide](docs/guide.md#three-words)', 'no heading with anchor'),
    ('![picture](docs/_static/missing.png)',
     "link 'docs/_static/missing.png'"),
    ('Train with `configs/m/cocoo.py`.', "path 'configs/m/cocoo.py'"),
    ('`configs/m/{coco,nuswide}.py`', "path 'configs/m/nuswide.py'"),
    ('`configs/x/*.py`', "path 'configs/x/*.py' matches nothing"),
    ('```\npython tools/trian.py CONFIG\n```',
     "command script 'tools/trian.py'"),
    ('python -m mmpretrain_mlr.nothing', "module 'mmpretrain_mlr.nothing'"),
])
def test_checker_reports_a_broken_name(scratch, text, expected):
    problems = check(scratch, text)
    assert any(expected in p for p in problems), problems


def test_pictures_stay_small():
    """The committed pictures stay in the tens of kB (regenerated by
    ``tools/analysis_tools/make_readme_figures.py``)."""
    pictures = glob.glob(osp.join(REPO_ROOT, 'docs', '_static', '*.png'))
    large = {osp.basename(p): osp.getsize(p) for p in pictures
             if osp.getsize(p) > 100 * 1024}
    assert not large, f'pictures over 100 kB: {large}'
