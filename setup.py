import re
from configparser import ConfigParser
import setuptools

assert setuptools.__version__ >= '36.2'

# All settings are in settings.ini; this file only turns them into setuptools arguments.
config = ConfigParser(delimiters=['='])
config.read('settings.ini', encoding='utf-8')
cfg = config['DEFAULT']

cfg_keys = 'version description keywords author author_email'.split()
expected = cfg_keys + "lib_name user branch license status min_python audience language git_url".split()
for o in expected: assert o in cfg, "missing expected setting: {}".format(o)
setup_cfg = {o: cfg[o] for o in cfg_keys}

licenses = {
    'apache2': ('Apache Software License 2.0', 'OSI Approved :: Apache Software License'),
    'mit': ('MIT License', 'OSI Approved :: MIT License'),
}
# settings' `status` is the classifier's number: 3 is "3 - Alpha"
statuses = ['1 - Planning', '2 - Pre-Alpha', '3 - Alpha', '4 - Beta', '5 - Production/Stable', '6 - Mature', '7 - Inactive']
# the Python versions CI tests (.github/workflows/test.yaml), from min_python on
py_versions = '3.10 3.11 3.12 3.13'.split()

requirements = cfg.get('requirements', '').split()
compare_requirements = cfg.get('compare_requirements', '').split()  # the packages the Real data chapter compares with
dev_requirements = cfg.get('dev_requirements', '').split() + compare_requirements
min_python = cfg['min_python']
lic = licenses.get(cfg['license'].lower(), (cfg['license'], None))

def long_description():
    "README.md with its figures linked absolutely, so that they show on the package index."
    raw = cfg['git_url'].rstrip('/').replace('https://github.com/', 'https://raw.githubusercontent.com/') + '/' + cfg['branch'] + '/'
    text = open('README.md', encoding='utf-8').read()
    text = re.sub(r'(\]\(\s*)(?:\./)?(README_files/)', lambda m: m.group(1) + raw + m.group(2), text)    # ![alt](README_files/x.png)
    return re.sub(r'''((?:src|href)=["'])(?:\./)?(README_files/)''', lambda m: m.group(1) + raw + m.group(2), text)  # <img src="README_files/...">

setuptools.setup(
    name=cfg['lib_name'],
    license=lic[0],
    classifiers=[
        'Development Status :: ' + statuses[int(cfg['status']) - 1],
        'Intended Audience :: ' + cfg['audience'].title(),
        'Natural Language :: ' + cfg['language'].title(),
        'Topic :: Scientific/Engineering :: Artificial Intelligence',
        'Typing :: Typed',
    ] + ['Programming Language :: Python :: ' + o for o in py_versions[py_versions.index(min_python):]]
      + (['License :: ' + lic[1]] if lic[1] else []),
    url=cfg['git_url'],
    project_urls={'Documentation': cfg.get('doc_host', '') + cfg.get('doc_baseurl', ''), 'Source': cfg['git_url']},
    packages=setuptools.find_packages(include=['jacnet', 'jacnet.*']),
    package_data={'jacnet': ['py.typed']},
    include_package_data=True,
    install_requires=requirements,
    extras_require={'dev': dev_requirements, 'compare': compare_requirements},
    python_requires='>=' + cfg['min_python'],
    long_description=long_description(),
    long_description_content_type='text/markdown',
    zip_safe=False,
    entry_points={
        'console_scripts': cfg.get('console_scripts', '').split(),
        'nbdev': [f'{cfg.get("lib_path")}={cfg.get("lib_path")}._modidx:d'],
    },
    **setup_cfg)
