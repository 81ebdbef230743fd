"""Builds the zsadbench Python package: its build step compiles the Go
library (capi/libzsadbench) with `go build -buildmode=c-shared` into the
package, so installing needs Go 1.26 and a C compiler (cgo), nothing else:

    pip install --no-build-isolation ./python

(--no-build-isolation uses the setuptools already installed, such as
Debian's python3-setuptools, instead of fetching one from a package index.)
$GO names the go command when it is not on PATH.
"""

import os
import shutil
import subprocess

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.dist import Distribution

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
LIBRARY = "libzsadbench.so"
PGO = os.path.join("cmd", "zsadbench", "default.pgo")


class BuildWithLibrary(build_py):
    """build_py that also builds the Go library into the package."""

    def run(self):
        super().run()
        out = os.path.join(os.path.abspath(self.build_lib), "zsadbench", LIBRARY)
        build_library(out)


def build_library(out):
    if not os.path.isfile(os.path.join(REPO, "go.mod")):
        raise SystemExit(f"zsadbench: {REPO} has no go.mod: build the Python package from a clone of zsadbench")
    go = os.environ.get("GO") or shutil.which("go")
    if not go:
        raise SystemExit("zsadbench: the go command is not on PATH (Go 1.26 builds the library; set $GO to its path)")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    cmd = [go, "build", "-buildmode=c-shared", "-o", out]
    # The CLI's profile (go build uses it by itself for cmd/zsadbench): the
    # same hot code, so the library is as fast as the command.
    if os.path.isfile(os.path.join(REPO, PGO)):
        cmd.append("-pgo=" + PGO)
    cmd.append("./capi/libzsadbench")
    print("zsadbench:", " ".join(cmd), flush=True)
    env = dict(os.environ, CGO_ENABLED="1")
    subprocess.run(cmd, cwd=REPO, env=env, check=True)
    header = os.path.splitext(out)[0] + ".h"
    if os.path.exists(header):
        os.remove(header)  # for C users of a build of their own, not the package


class BinaryDistribution(Distribution):
    """The wheel holds a compiled library: a platform wheel, not a pure one."""

    def has_ext_modules(self):
        return True


cmdclass = {"build_py": BuildWithLibrary}
try:
    from wheel.bdist_wheel import bdist_wheel

    class PlatformWheel(bdist_wheel):
        """Tags the wheel py3-none-<platform>: the library is loaded with
        ctypes, so any Python 3 can use it, on this platform only."""

        def get_tag(self):
            _, _, plat = super().get_tag()
            return "py3", "none", plat

    cmdclass["bdist_wheel"] = PlatformWheel
except ImportError:
    pass

setup(cmdclass=cmdclass, distclass=BinaryDistribution)
