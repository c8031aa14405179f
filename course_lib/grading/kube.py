"""Kubernetes manifests for grading a large course: one pod per submission.

Lecture: course logistics (graded assignments at scale).

:func:`write_manifests` writes, for the collected submissions of an assignment,

- ``configmap.json``: the grading notebook (the source *without* solutions: locked cells and
  hidden-test calls only) and ``jobs.json`` (pod index -> student);
- ``job.json``: an indexed ``batch/v1`` Job, one completion per submission, each pod running
  ``python -m course_lib.grading grade-one`` from the grader image
  (``assignments/grader.Dockerfile``) with CPU, memory and storage limits, no service-account
  token, dropped capabilities (only what switching to the sandbox user needs) and a
  deadline;
- ``networkpolicy.json``: no ingress and no egress for the grading pods.

Submissions come from a ``PersistentVolumeClaim`` (read-only) laid out like
``<course>/submitted``; results go to another one laid out like ``<course>`` so that
``python -m course_lib.grading grades --course-dir RESULTS`` exports the grades.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat

__all__ = ["write_manifests", "job_manifest", "network_policy", "MOUNT"]

MOUNT = "/grading"  # mode 0700 in the image: the sandbox user cannot reach anything below
_INDEX_ANNOTATION = "batch.kubernetes.io/job-completion-index"
_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def _name(text: str) -> str:
    name = re.sub(r"[^a-z0-9-]", "-", text.lower()).strip("-")[:50]
    if not _NAME.match(name):
        raise ValueError(f"cannot make a Kubernetes name from {text!r}")
    return name


def job_manifest(
    assignment: str,
    count: int,
    image: str,
    parallelism: int = 20,
    wall_s: float = 600.0,
    cell_timeout_s: float = 120.0,
    memory_gb: float = 6.0,
    submissions_claim: str = "course-submissions",
    results_claim: str = "course-results",
) -> dict:
    """The indexed Job grading ``count`` submissions of ``assignment`` (a dict ready for JSON)."""
    if not isinstance(count, int) or count < 1:
        raise ValueError(f"job_manifest: count must be a positive int, got {count!r}")
    name = _name(f"grade-{assignment}")
    limit_gib = int(memory_gb) + 2
    args = [
        "grade-one",
        assignment,
        "--grader-notebook",
        f"{MOUNT}/config/grader.ipynb",
        "--jobs",
        f"{MOUNT}/config/jobs.json",
        "--submissions",
        f"{MOUNT}/submitted",
        "--results",
        f"{MOUNT}/results",
        "--wall-s",
        f"{wall_s:g}",
        "--cell-timeout-s",
        f"{cell_timeout_s:g}",
        "--memory-gb",
        f"{memory_gb:g}",
    ]
    container = {
        "name": "grader",
        "image": image,
        "args": args,
        "env": [
            {
                "name": "JOB_COMPLETION_INDEX",
                "valueFrom": {
                    "fieldRef": {"fieldPath": f"metadata.annotations['{_INDEX_ANNOTATION}']"}
                },
            }
        ],
        "resources": {
            "requests": {"cpu": "1", "memory": f"{limit_gib}Gi", "ephemeral-storage": "1Gi"},
            "limits": {"cpu": "2", "memory": f"{limit_gib}Gi", "ephemeral-storage": "2Gi"},
        },
        "securityContext": {
            "runAsUser": 0,
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {
                "drop": ["ALL"],
                "add": ["CHOWN", "DAC_OVERRIDE", "FOWNER", "SETUID", "SETGID", "KILL"],
            },
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "volumeMounts": [
            {"name": "config", "mountPath": f"{MOUNT}/config", "readOnly": True},
            {"name": "submitted", "mountPath": f"{MOUNT}/submitted", "readOnly": True},
            {"name": "results", "mountPath": f"{MOUNT}/results"},
            {"name": "tmp", "mountPath": "/tmp"},
        ],
    }
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name, "labels": {"app": "course-grader", "assignment": assignment}},
        "spec": {
            "completionMode": "Indexed",
            "completions": count,
            "parallelism": min(parallelism, count),
            "backoffLimit": max(2, count // 10),
            "activeDeadlineSeconds": int(wall_s * (count / min(parallelism, count) + 2)),
            "ttlSecondsAfterFinished": 86400,
            "template": {
                "metadata": {"labels": {"app": "course-grader", "assignment": assignment}},
                "spec": {
                    "restartPolicy": "Never",
                    "automountServiceAccountToken": False,
                    "enableServiceLinks": False,
                    "containers": [container],
                    "volumes": [
                        {"name": "config", "configMap": {"name": f"{name}-config"}},
                        {
                            "name": "submitted",
                            "persistentVolumeClaim": {
                                "claimName": submissions_claim,
                                "readOnly": True,
                            },
                        },
                        {"name": "results", "persistentVolumeClaim": {"claimName": results_claim}},
                        {"name": "tmp", "emptyDir": {"sizeLimit": "2Gi"}},
                    ],
                },
            },
        },
    }


def network_policy(assignment: str) -> dict:
    """Deny all ingress and egress of the grading pods of ``assignment``."""
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": _name(f"grade-{assignment}-no-network")},
        "spec": {
            "podSelector": {"matchLabels": {"app": "course-grader", "assignment": assignment}},
            "policyTypes": ["Ingress", "Egress"],
        },
    }


def write_manifests(
    course_dir: str | Path,
    assignment: str,
    output: str | Path,
    image: str = "cnn-music-course-grader:latest",
    **job_options,
) -> list[Path]:
    """Write the ConfigMap, Job and NetworkPolicy for the collected submissions."""
    from .autograde import source_notebook
    from .notebook import grading_notebook

    course_dir, output = Path(course_dir), Path(output)
    submitted = course_dir / "submitted"
    students = sorted(
        p.name
        for p in (submitted.iterdir() if submitted.is_dir() else [])
        if (p / assignment / f"{assignment}.ipynb").is_file()
    )
    if not students:
        raise ValueError(f"write_manifests: no submissions of {assignment} in {submitted}")
    grader = nbformat.writes(grading_notebook(source_notebook(course_dir, assignment)))
    output.mkdir(parents=True, exist_ok=True)
    job = job_manifest(assignment, len(students), image, **job_options)
    config = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": f"{job['metadata']['name']}-config"},
        "data": {"grader.ipynb": grader, "jobs.json": json.dumps(students)},
    }
    paths = []
    for fname, manifest in (
        ("configmap.json", config),
        ("job.json", job),
        ("networkpolicy.json", network_policy(assignment)),
    ):
        path = output / fname
        path.write_text(json.dumps(manifest, indent=2))
        paths.append(path)
    return paths
