"""Core maths of the lecture: convolution, pooling, shapes, parameter counts, the audio front end.

Lecture: motivation, locally connected layers and weight sharing, convolution mechanics,
pooling, audio as input. Everything else in the library builds on these modules:

- :mod:`course_lib.core.params` - parameter counts and model summaries
- :mod:`course_lib.core.shapes` - output sizes and receptive fields
- :mod:`course_lib.core.ops` - NumPy reference convolution, locally connected layer, pooling
- :mod:`course_lib.core.layers` - ``LocallyConnected2d``, ``StdPool2d``, ``LpPool2d``
- :mod:`course_lib.core.arithmetic` - convolution step by step
- :mod:`course_lib.core.audio` - STFT, mel and CQT front ends, audio checks

Each is also importable under its short name (``course_lib.ops``).
"""
