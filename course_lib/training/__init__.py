"""Training and evaluation: the loop every MIR lecture trains with, and its metrics.

Lecture: CNNs trained for MIR tasks (semantic, event and frame level).

- :mod:`course_lib.training.train` - ``Trainer`` (devices, mixed precision, checkpoints,
  exact resume, early stopping), seeding
- :mod:`course_lib.training.metrics` - accuracy, F1, ROC-AUC/PR-AUC for tagging
- :mod:`course_lib.training.export` - a trained model outside Python: traced, fed by a
  declared front end, decoded and scored (what the graded A3/A4 compute)

Models live in :mod:`course_lib.models`, ready-made tasks in :mod:`course_lib.tasks`. Each
module is also importable under its short name (``course_lib.train``).
"""
