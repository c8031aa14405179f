"""nbgrader configuration of the course's graded assignments (this folder is the course root).

`python -m course_lib.grading release` calls `nbgrader generate_assignment` with this file;
the hardened grading of `python -m course_lib.grading autograde` does not use nbgrader's
autograde, but the settings below also make plain `nbgrader autograde` safer.
"""

import os

c = get_config()  # noqa: F821 - provided by nbgrader

c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
# The gradebook lives in a folder only the grader can read (created with mode 0700).
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(
    c.CourseDirectory.root, ".grader", "gradebook.db"
)
# Only the notebook is released; instructor notes and test data stay in source/.
c.CourseDirectory.ignore = [
    ".ipynb_checkpoints",
    "*.pyc",
    "__pycache__",
    "*.md",
    "*.npz",
    "private",
]

c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Mitigations for plain `nbgrader autograde` (see assignments/README.md).
c.Execute.timeout = 60
c.Execute.interrupt_on_timeout = True
c.Execute.allow_errors = True
c.ExecutePreprocessor.skip_cells_with_tag = "grader-skip-never-used"
c.Autograde.add_missing_cells = True
