"""Lecture helpers: what the notebooks show and let students play with.

Lecture: locality and translation invariance, weight sharing, listening to a network, and
the exercises of every lecture.

- :mod:`course_lib.lecture.locality` - receptive fields and local connectivity
- :mod:`course_lib.lecture.invariance` - equivariance and invariance measurements
- :mod:`course_lib.lecture.filters` - named filters (edges, onsets, harmonics)
- :mod:`course_lib.lecture.images` - small synthetic images
- :mod:`course_lib.lecture.plotting` - the figures of the notebooks
- :mod:`course_lib.lecture.explain` - feature maps, top regions and sonification of filters
- :mod:`course_lib.lecture.exercises` - the self-checked exercises at the end of each lecture

The widgets (:mod:`course_lib.widgets`) are thin layers over these. Each module is also
importable under its short name (``course_lib.locality``).
"""
