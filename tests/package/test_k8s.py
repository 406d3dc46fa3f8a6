"""packaging/k8s/vigil-daemonset.yaml: valid YAML whose DaemonSet has what
vigil needs on a node (privileged, host PID, the host's bpffs shared
both ways, cgroupfs, BTF), whose mounts all name volumes, and whose
configuration vigil itself accepts. No cluster here: the Kubernetes
schema is not checked, only the structure vigil depends on."""

import yaml

from pkg_support import REPO, sh  # first: it puts tests/integration on the path
from conftest import _require_root, _test_deadline, vigil_bin  # noqa: F401

MANIFEST = REPO / "packaging/k8s/vigil-daemonset.yaml"


def manifest():
    docs = [d for d in yaml.safe_load_all(MANIFEST.read_text()) if d]
    return {d["kind"]: d for d in docs}


def test_daemonset_runs_privileged_with_host_pid_bpffs_and_cgroupfs():
    docs = manifest()
    assert set(docs) == {"Namespace", "ConfigMap", "DaemonSet"}, set(docs)
    ds = docs["DaemonSet"]
    assert ds["apiVersion"] == "apps/v1"
    spec = ds["spec"]
    assert spec["selector"]["matchLabels"].items() <= \
        spec["template"]["metadata"]["labels"].items()
    pod = spec["template"]["spec"]
    assert pod["hostPID"] is True
    (c,) = pod["containers"]
    assert c["securityContext"]["privileged"] is True
    assert c["command"] == ["/usr/sbin/vigil"]
    assert c["args"][:1] == ["daemon"]

    volumes = {v["name"]: v for v in pod["volumes"]}
    mounts = {m["mountPath"]: m for m in c["volumeMounts"]}
    assert all(m["name"] in volumes for m in mounts.values()), mounts
    host = {path: volumes[m["name"]].get("hostPath", {}).get("path")
            for path, m in mounts.items()}
    for path in ("/sys/fs/bpf", "/sys/fs/cgroup", "/sys/kernel/btf",
                 "/var/log/vigil", "/var/lib/vigil", "/run/vigil"):
        assert host.get(path) == path, (path, host)
    # pins made in the pod must be the host's, so the next pod adopts them
    assert mounts["/sys/fs/bpf"]["mountPropagation"] == "Bidirectional"
    config = c["args"][c["args"].index("--config") + 1]
    cm = volumes[mounts["/etc/vigil"]["name"]]["configMap"]["name"]
    assert config == "/etc/vigil/vigil.yaml"
    assert cm == docs["ConfigMap"]["metadata"]["name"]
    assert docs["ConfigMap"]["metadata"]["namespace"] == \
        ds["metadata"]["namespace"] == docs["Namespace"]["metadata"]["name"]


def test_daemonset_configuration_is_one_vigil_accepts(vigil_bin, tmp_path):
    text = manifest()["ConfigMap"]["data"]["vigil.yaml"]
    (tmp_path / "vigil.yaml").write_text(text)
    # unpin reads the file as the daemon does; with a --pin-dir that
    # holds nothing it removes nothing
    r = sh(vigil_bin, "unpin", "--config", tmp_path / "vigil.yaml",
           "--pin-dir", tmp_path / "no-pins", ok=False)
    assert r.returncode == 0 and "nothing pinned" in r.stderr, r.stderr
    settings = yaml.safe_load(text)
    assert all(root.startswith("/sys/fs/cgroup/")
               for root in settings["sandbox_roots"])
