# The grader image: `python -m course_lib.grading` with the course's pinned stack.
# Build from the repository root:
#   docker build -f assignments/grader.Dockerfile -t cnn-music-course-grader .
# Run it as root (it drops each submission to its own unprivileged uid); see
# `python -m course_lib.grading kube --help` for the Kubernetes Job that uses it.
FROM python:3.11-slim

# bubblewrap: the allow-list sandbox (the pod must allow it; otherwise user-only mode)
RUN apt-get update && apt-get install -y --no-install-recommends bubblewrap \
 && rm -rf /var/lib/apt/lists/*

ENV PIP_NO_CACHE_DIR=1 \
    COURSE_CONFIG=smoke \
    MPLBACKEND=Agg \
    COURSE_DATA_DIR=/opt/course/data

WORKDIR /opt/course
COPY pyproject.toml README.md ./
COPY .ci/constraints.txt .ci/constraints.txt
COPY course_lib ./course_lib
RUN pip install -c .ci/constraints.txt torch torchaudio \
 && pip install -c .ci/constraints.txt ".[grading,data]" \
 && pip install -c .ci/constraints.txt --no-deps "tinysoundfont>=0.3"
# The rendered training data of A3/A4 (read-only for the sandbox user).
RUN python -m course_lib.data build --size smoke --root /opt/course/data \
    --only tagging --only onsets
# Mount points of the Job live below a folder only root can enter.
RUN mkdir -m 0700 /grading
# Only root may read the installed package and its sources (checks, answers, weights): the
# sandbox user imports the assignment's view of course_lib that the grader writes.
RUN chmod -R go-rwx /opt/course/course_lib \
 && chmod -R go-rwx "$(python -c 'import course_lib, os; print(os.path.dirname(course_lib.__file__))')"

ENTRYPOINT ["python", "-m", "course_lib.grading"]
CMD ["--help"]
