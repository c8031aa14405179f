"""Kubernetes manifests of the grader: valid, locked down, and one pod's command grades."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from course_lib.grading.__main__ import main
from course_lib.grading.autograde import source_notebook
from course_lib.grading.kube import MOUNT, job_manifest
from course_lib.grading.notebook import student_notebook
from course_lib.grading.release import solution_submission

# one worker runs this whole module, so its module-scoped course is built (and graded) once
pytestmark = pytest.mark.xdist_group("kube")

ROOT = Path(__file__).resolve().parents[1]
DNS = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course = tmp_path_factory.mktemp("kube") / "course"
    shutil.copytree(ROOT / "assignments" / "source" / "a1", course / "source" / "a1")
    source = source_notebook(course, "a1")
    released = student_notebook(source)
    for student, nb in (("ann", released), ("ben", solution_submission(source, released))):
        path = course / "submitted" / student / "a1" / "a1.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(nb, path)
    out = course.parent / "manifests"
    assert main(["--course-dir", str(course), "kube", "a1", "-o", str(out)]) == 0
    return course, out


def _load(out: Path, name: str) -> dict:
    return json.loads((out / name).read_text())


def test_manifests_are_valid_kubernetes_objects(course):
    _, out = course
    config, job, policy = (
        _load(out, n) for n in ("configmap.json", "job.json", "networkpolicy.json")
    )
    for obj, kind, api in (
        (config, "ConfigMap", "v1"),
        (job, "Job", "batch/v1"),
        (policy, "NetworkPolicy", "networking.k8s.io/v1"),
    ):
        assert obj["kind"] == kind and obj["apiVersion"] == api
        assert DNS.match(obj["metadata"]["name"]) and len(obj["metadata"]["name"]) <= 63
    assert all(isinstance(v, str) for v in config["data"].values())
    assert json.loads(config["data"]["jobs.json"]) == ["ann", "ben"]
    spec = job["spec"]
    assert spec["completionMode"] == "Indexed" and spec["completions"] == 2
    assert spec["parallelism"] == 2
    pod = spec["template"]["spec"]
    assert pod["restartPolicy"] == "Never" and pod["automountServiceAccountToken"] is False
    (container,) = pod["containers"]
    limits = container["resources"]["limits"]
    assert {"cpu", "memory", "ephemeral-storage"} <= set(limits)
    sec = container["securityContext"]
    assert sec["allowPrivilegeEscalation"] is False and sec["capabilities"]["drop"] == ["ALL"]
    assert "SYS_ADMIN" not in sec["capabilities"]["add"] and "privileged" not in sec
    volumes = {v["name"] for v in pod["volumes"]}
    assert {m["name"] for m in container["volumeMounts"]} <= volumes
    assert config["metadata"]["name"] == next(
        v["configMap"]["name"] for v in pod["volumes"] if "configMap" in v
    )
    assert all(
        m["mountPath"].startswith(MOUNT) or m["mountPath"] == "/tmp"
        for m in container["volumeMounts"]
    )
    assert policy["spec"]["policyTypes"] == ["Ingress", "Egress"]
    assert "ingress" not in policy["spec"] and "egress" not in policy["spec"]
    assert policy["spec"]["podSelector"]["matchLabels"] == spec["template"]["metadata"]["labels"]


def test_the_pods_carry_no_solutions(course):
    _, out = course
    grader = _load(out, "configmap.json")["data"]["grader.ipynb"]
    assert "BEGIN SOLUTION" not in grader and "nchwij" not in grader
    sources = [c.source for c in nbformat.reads(grader, as_version=4).cells]
    assert any('hidden_check("a1/test_conv2d", conv2d)' in src for src in sources)


def test_one_pods_command_grades_one_submission_locally(course):
    course_dir, out = course
    (container,) = _load(out, "job.json")["spec"]["template"]["spec"]["containers"]
    config = out / "config"
    config.mkdir(exist_ok=True)
    for name, text in _load(out, "configmap.json")["data"].items():
        (config / name).write_text(text)
    results = out / "results"
    local = {
        f"{MOUNT}/config": str(config),
        f"{MOUNT}/submitted": str(course_dir / "submitted"),
        f"{MOUNT}/results": str(results),
    }
    args = []
    for arg in container["args"]:
        for mount, path in local.items():
            arg = arg.replace(mount, path)
        args.append(arg)
    args = [a if a != "600" else "120" for a in args]
    env = dict(os.environ, JOB_COMPLETION_INDEX="1")
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    proc = subprocess.run(
        [sys.executable, "-m", "course_lib.grading", *args], env=env, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads((results / "autograded" / "ben" / "a1" / "result.json").read_text())
    assert result["student"] == "ben" and result["auto_score"] == 11.0
    assert (results / "feedback" / "ben" / "a1" / "a1.html").is_file()
    assert not (results / "autograded" / "ann").exists()


def test_job_manifest_rejects_bad_counts():
    with pytest.raises(ValueError, match="count"):
        job_manifest("a1", 0, "img")
