"""Lambda bundles built on this machine: no Docker, and PyPI only on the first synth.

The shared layer is `pip install --platform manylinux... --only-binary=:all:` of the
locked runtime dependencies (so wheels match Lambda's Linux and Python 3.12 whatever
machine synthesizes), plus the `rtcc` package. Each function bundle is just
`functions/__init__.py` and its own module. Builds land in `.build/<kind>-<hash>/`,
keyed by a hash of every input, so a second synth copies instead of installing.

CDK asks for a bundle through `ILocalBundling.try_bundle`; the asset hash is the same
input hash, so CDK skips even the copy when `cdk.out` already holds that asset.
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import jsii
from aws_cdk import AssetHashType, BundlingOptions, DockerImage, ILocalBundling
from aws_cdk import aws_lambda as lambda_

REPO_ROOT = Path(__file__).resolve().parent.parent
BUILD_DIR = REPO_ROOT / ".build"
PYTHON_VERSION = "3.12"
# Bump when the build recipe changes, so old cache entries are not reused.
RECIPE_VERSION = "3"

# In the Lambda Python runtime already; leaving them out saves ~25 MB of layer.
# The runtime's copies are recent enough for pynamodb and Powertools.
PROVIDED_BY_RUNTIME = frozenset({"boto3", "botocore", "s3transfer", "jmespath"})

# Must never reach a Lambda bundle: the camera agent's video stack and the CDK toolchain.
FORBIDDEN_TOP_LEVEL = ("cv2", "av", "aws_cdk", "jsii", "constructs", "cdk_nag", "opencv_python_headless")

# Parts of the rtcc package that only run on a developer machine.
LOCAL_ONLY = ("local", "cli.py")

# Lambda's python3.12 runtime runs on Amazon Linux 2023 (glibc 2.34), so it takes any
# wheel from manylinux2014 (glibc 2.17) up to manylinux_2_34. pip does not widen an
# explicit --platform to older glibc tags itself, so every one is listed.
_LAMBDA_GLIBC_MINOR = 34
_PIP_ARCH = {"x86_64": "x86_64", "arm64": "aarch64"}


def platform_tags(architecture: str) -> list[str]:
    arch = _PIP_ARCH[architecture]
    return [f"manylinux2014_{arch}"] + [f"manylinux_2_{m}_{arch}" for m in range(17, _LAMBDA_GLIBC_MINOR + 1)]


class BundlingError(RuntimeError):
    pass


def _sha256(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def _tree_files(root: Path, exclude: tuple[str, ...] = ()) -> list[Path]:
    files = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if not path.is_file() or "__pycache__" in rel.parts or path.suffix == ".pyc":
            continue
        if rel.parts[0] in exclude:
            continue
        files.append(path)
    return files


def _uv() -> str:
    found = shutil.which("uv") or str(Path.home() / ".local/bin/uv")
    if not Path(found).exists():
        raise BundlingError("uv is needed to export the locked requirements (make install puts it in place)")
    return found


@functools.lru_cache(maxsize=1)
def locked_runtime_requirements() -> str:
    """The `runtime` extra, pinned by uv.lock, minus what the Lambda runtime provides."""
    out = subprocess.run(
        [
            _uv(),
            "export",
            "--frozen",
            "--no-hashes",
            "--no-emit-project",
            "--no-header",
            "--extra",
            "runtime",
            "--color",
            "never",
        ],
        cwd=REPO_ROOT,
        # The cdk CLI sets FORCE_COLOR for its children: colour codes in a requirements
        # file would break pip (and change the cache key).
        env={**os.environ, "NO_COLOR": "1", "FORCE_COLOR": "", "CLICOLOR_FORCE": ""},
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    keep = []
    for line in out.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name = line.split("==")[0].split(";")[0].strip().lower().replace("_", "-")
        if name not in PROVIDED_BY_RUNTIME:
            keep.append(line)
    return "\n".join(keep) + "\n"


def _assert_clean(root: Path, what: str) -> None:
    for name in FORBIDDEN_TOP_LEVEL:
        for base in (root, root / "python"):
            if (base / name).exists():
                raise BundlingError(f"{what} contains {name!r}, which must never ship to Lambda")
    if (root / "python" / "rtcc" / "local").exists():
        raise BundlingError(f"{what} contains rtcc/local, which only runs on a developer machine")


def _publish(build: Path, final: Path) -> None:
    """Move a finished build into place; a concurrent builder that won the race is fine."""
    (build / ".complete").write_text("ok\n")
    if final.exists() and not (final / ".complete").exists():
        shutil.rmtree(final)  # the leftovers of an interrupted build
    try:
        build.rename(final)
    except OSError:
        if not (final / ".complete").exists():
            raise
        shutil.rmtree(build, ignore_errors=True)


def _find_python_312() -> str | None:
    """A local CPython 3.12, if there is one, to precompile the layer's bytecode."""
    found = shutil.which("python3.12")
    if found:
        return found
    pyenv = sorted((Path.home() / ".pyenv/versions").glob("3.12.*/bin/python3.12"))
    return str(pyenv[-1]) if pyenv else None


def _precompile(target: Path, python312: str | None) -> None:
    # /opt is read-only in Lambda, so without .pyc files every cold start compiles each
    # imported module again. Unchecked-hash pycs stay valid whatever mtimes the zip keeps.
    if python312:
        subprocess.run(
            [
                python312,
                "-m",
                "compileall",
                "-q",
                "-j",
                "0",
                "--invalidation-mode",
                "unchecked-hash",
                str(target),
            ],
            check=False,
            capture_output=True,
        )


def _prune(prefix: str, keep: int = 3) -> None:
    """Drop all but the newest `keep` cache entries of one kind, so .build/ stays bounded."""
    entries = sorted(BUILD_DIR.glob(f"{prefix}*"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[keep:]:
        shutil.rmtree(old, ignore_errors=True)


def _build_cached(final: Path, build_into) -> Path:
    """Return `final`, building it through `build_into(tmpdir)` if the cache lacks it."""
    if (final / ".complete").exists():
        return final
    BUILD_DIR.mkdir(parents=True, exist_ok=True)
    build = Path(tempfile.mkdtemp(prefix=".tmp-", dir=BUILD_DIR))
    try:
        build_into(build)
        _publish(build, final)
    finally:
        shutil.rmtree(build, ignore_errors=True)
    return final


# phonenumbers ships ~45 MB of geocoder, carrier and time-zone data that rtcc never
# loads (it parses, validates and formats numbers only): the same cut `phonenumberslite` makes.
UNUSED_PACKAGE_DATA = ("phonenumbers/geodata", "phonenumbers/carrierdata", "phonenumbers/tzdata")
_UNUSED_MODULES = ("phonenumbers.geocoder", "phonenumbers.carrier", "phonenumbers.timezone")


def _assert_unused_data_unused(files: list[Path]) -> None:
    for path in files:
        if path.suffix != ".py":
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for module in _UNUSED_MODULES:
            package, _, name = module.rpartition(".")
            if module in text or f"from {package} import {name}" in text:
                raise BundlingError(
                    f"{path} uses {module}, whose data the layer leaves out (see UNUSED_PACKAGE_DATA)"
                )


@dataclass(frozen=True)
class LayerBundle:
    """The shared layer: locked third-party wheels + the rtcc package, under python/.

    Two cache levels: the wheels (slow: PyPI, keyed by the lock and the architecture)
    and the layer (fast: hard links to the wheels plus a copy of rtcc), so editing rtcc
    never reinstalls anything.
    """

    architecture: str = "x86_64"

    @staticmethod
    def rtcc_files() -> list[Path]:
        return _tree_files(REPO_ROOT / "layers" / "rtcc", exclude=LOCAL_ONLY)

    def wheels_hash(self) -> str:
        python312 = _find_python_312() is not None
        parts = [
            RECIPE_VERSION,
            self.architecture,
            PYTHON_VERSION,
            str(python312),
            locked_runtime_requirements(),
        ]
        return _sha256(*(p.encode() for p in parts))[:32]

    def input_hash(self) -> str:
        rtcc_dir = REPO_ROOT / "layers" / "rtcc"
        parts = [self.wheels_hash().encode()]
        for path in self.rtcc_files():
            parts += [str(path.relative_to(rtcc_dir)).encode(), path.read_bytes()]
        return _sha256(*parts)[:32]

    def wheels_path(self) -> Path:
        final = BUILD_DIR / f"wheels-{self.architecture}-{self.wheels_hash()}"
        path = _build_cached(final, self._install_wheels)
        _prune(f"wheels-{self.architecture}-")
        return path

    def path(self) -> Path:
        """The finished bundle, built now if the cache does not hold it."""
        files = self.rtcc_files()
        _assert_unused_data_unused(files)
        wheels = self.wheels_path()
        final = BUILD_DIR / f"layer-{self.architecture}-{self.input_hash()}"

        def assemble(out: Path) -> None:
            # Hard links: the 100+ MB of wheels cost no copy and no disk.
            shutil.copytree(wheels, out, dirs_exist_ok=True, copy_function=os.link)
            (out / ".complete").unlink()
            rtcc_dir = REPO_ROOT / "layers" / "rtcc"
            for path in files:
                dest = out / "python" / "rtcc" / path.relative_to(rtcc_dir)
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, dest)
            _precompile(out / "python" / "rtcc", _find_python_312())
            _assert_clean(out, "the layer")

        path = _build_cached(final, assemble)
        _prune(f"layer-{self.architecture}-")
        return path

    def _install_wheels(self, out: Path) -> None:
        req_file = out / ".requirements.txt"
        req_file.write_text(locked_runtime_requirements())
        target = out / "python"
        platforms = [arg for tag in platform_tags(self.architecture) for arg in ("--platform", tag)]
        print(
            f"bundling: installing the layer's wheels for {self.architecture} (first synth only)",
            file=sys.stderr,
        )
        cmd = [
            sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
            *platforms, "--only-binary=:all:", "--implementation", "cp",
            "--python-version", PYTHON_VERSION, "--target", str(target),
            # The lock is already a complete, resolved set: install exactly it, so the
            # packages the runtime provides are not pulled back in as dependencies.
            "--no-deps", "-r", str(req_file),
        ]  # fmt: skip
        result = subprocess.run(cmd, capture_output=True, text=True)
        if result.returncode != 0:
            errors = "\n".join(line for line in result.stderr.splitlines() if "is ignored" not in line)
            raise BundlingError(f"pip could not install the layer's wheels:\n{errors.strip()[-4000:]}")
        req_file.unlink()
        shutil.rmtree(target / "bin", ignore_errors=True)  # console scripts: useless in Lambda
        for rel in UNUSED_PACKAGE_DATA:
            shutil.rmtree(target / rel, ignore_errors=True)
        _precompile(target, _find_python_312())
        _assert_clean(out, "the layer's wheels")


@dataclass(frozen=True)
class FunctionBundle:
    """One function: the `functions` package marker and the handler module, nothing else."""

    module: str  # "functions.api"

    def files(self) -> list[Path]:
        package, _, name = self.module.partition(".")
        if package != "functions" or not name or "." in name:
            raise BundlingError(f"{self.module!r}: handler modules live directly in functions/")
        source = REPO_ROOT / "functions" / f"{name}.py"
        if not source.exists():
            raise BundlingError(f"{self.module!r}: {source} does not exist")
        return [REPO_ROOT / "functions" / "__init__.py", source]

    def input_hash(self) -> str:
        parts = [RECIPE_VERSION.encode(), self.module.encode()]
        for path in self.files():
            parts += [path.name.encode(), path.read_bytes()]
        return _sha256(*parts)[:32]

    def path(self) -> Path:
        final = BUILD_DIR / f"fn-{self.module.replace('.', '-')}-{self.input_hash()}"

        def assemble(out: Path) -> None:
            (out / "functions").mkdir()
            for path in self.files():
                shutil.copy2(path, out / "functions" / path.name)
            _assert_clean(out, f"the {self.module} bundle")

        path = _build_cached(final, assemble)
        _prune(f"fn-{self.module.replace('.', '-')}-")
        return path


def directory_size(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file() and p.name != ".complete")


@jsii.implements(ILocalBundling)
class CachedLocalBundling:
    """Hands CDK a bundle from the `.build/` cache (building it there first if needed)."""

    def __init__(self, bundle: LayerBundle | FunctionBundle) -> None:
        self._bundle = bundle

    def try_bundle(self, output_dir: str, *_options: object, **_kw: object) -> bool:
        try:
            source = self._bundle.path()
        except Exception as exc:  # jsii would reduce the traceback to one opaque line
            print(f"bundling failed: {exc}", file=sys.stderr)
            raise
        shutil.copytree(source, output_dir, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".complete"))
        return True


def _asset(source: Path, bundle: LayerBundle | FunctionBundle) -> lambda_.Code:
    return lambda_.Code.from_asset(
        str(source),
        asset_hash=bundle.input_hash(),
        asset_hash_type=AssetHashType.CUSTOM,
        bundling=BundlingOptions(
            # Never pulled: local bundling always succeeds or raises.
            image=DockerImage.from_registry("rtcc-local-bundling-only"),
            local=CachedLocalBundling(bundle),
        ),
    )


def layer_code(architecture: str) -> lambda_.Code:
    return _asset(REPO_ROOT / "layers" / "rtcc", LayerBundle(architecture))


def function_code(module: str) -> lambda_.Code:
    return _asset(REPO_ROOT / "functions", FunctionBundle(module))


#: Where a deployed function finds the city's alert zones: the zones layer's file, under
#: /opt like every layer's content (read by rtcc.alerts.zone_config at cold start).
ZONES_LAYER_DIR = "rtcc-alerts"
ZONES_FILE_DEPLOYED = f"/opt/{ZONES_LAYER_DIR}/zones.geojson"


def zones_code(zones_geojson: Path) -> lambda_.Code:
    """The config's zones file as a layer's content. Copied into `.build/` under its own
    hash: an asset is a directory, and the file's neighbours (the city's config) must not
    ship with it. The asset's hash is the file's, so an unchanged file uploads nothing."""
    data = zones_geojson.read_bytes()
    staged = BUILD_DIR / f"zones-{_sha256(data)[:16]}"
    target = staged / ZONES_LAYER_DIR / "zones.geojson"
    if not target.exists() or target.read_bytes() != data:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return lambda_.Code.from_asset(str(staged))
