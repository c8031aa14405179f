"""Plumbing: configuration, the command line and the peer tools compared with.

Lecture: all notebooks (the smoke/full switch) and the MIR lectures (published tools as
baselines).

- :mod:`course_lib.plumbing.config` - ``select_config``: the smoke/full switch
- :mod:`course_lib.plumbing.cli` - ``python -m course_lib`` (train, analyze, tasks)
- :mod:`course_lib.plumbing.peers` - librosa, torchcrepe, pYIN and Basic Pitch wrappers

Each module is also importable under its short name (``course_lib.config``).
"""
