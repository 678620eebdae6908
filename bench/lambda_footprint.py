"""How heavy each Lambda is: cold import time of its handler module, and bundle sizes.

Import time: a fresh interpreter per run (`python -X importtime -c "import functions.<m>"`),
with the environment a deployed Lambda has (RTCC_ENVIRONMENT=deployed, Powertools
tracing off since there is no X-Ray daemon here), median of 5. It runs this machine's
venv Python (3.11, bytecode already cached) against the same source the layer ships,
so it measures our import graph, not Lambda's slower CPUs or the zip extraction.

Ratio to boto3 (issue 7's cold-start target: every handler <= 1.3x): in the same run,
best of 3 fresh interpreters each, the time `import boto3` takes and the time
`import functions.<m>` takes (perf_counter around the import statement, so the
interpreter's own start-up is not in either), and their quotient. Best of 3, not the
median, because on a shared 2-core machine the noise only ever adds time. For `api`
it also times the first request after the import (GET /api/health, and
GET /api/openapi.json which builds every router): what lazy imports defer is paid
there, and with SnapStart it is paid before the snapshot instead (rtcc.snapstart).

Sizes: the layer and every function bundle as `infra/bundling.py` builds them for the
example config's architecture (built now if .build/ lacks them), unzipped, against
Lambda's 250 MB limit for a function plus its layers.

Writes bench/results/lambda_footprint.json and prints one line.
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")

from rtcc.resources import queue_url_env_var  # noqa: E402
from rtcc.topology import TOPOLOGY  # noqa: E402

from bench.common import write_result  # noqa: E402
from infra.bundling import FunctionBundle, LayerBundle, directory_size  # noqa: E402
from infra.config import DEFAULT_CONFIG, load_config  # noqa: E402

RUNS = 5
RATIO_RUNS = 3
#: Issue 7: a handler module's import may take at most this many times `import boto3`.
RATIO_TARGET = 1.3
LAMBDA_UNZIPPED_LIMIT_MB = 250

# "import time: self_us | cumulative_us | <2 spaces per nesting level>module"
_IMPORTTIME = re.compile(r"^import time:\s+(\d+)\s+\|\s+(\d+)\s+\| (\s*)(\S+)\s*$")


def lambda_environment(function_name: str) -> dict[str, str]:
    """What CDK sets on a deployed function, with placeholder values (nothing is called)."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(REPO_ROOT),
        "PYTHONDONTWRITEBYTECODE": "1",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_LAMBDA_FUNCTION_NAME": f"rtcc-{function_name}",
        "POWERTOOLS_SERVICE_NAME": f"rtcc-{function_name}",
        "POWERTOOLS_METRICS_NAMESPACE": "rtcc",
        "POWERTOOLS_TRACE_DISABLED": "1",
        "RTCC_ENVIRONMENT": "deployed",
        "RTCC_TABLE_PREFIX": "rtcc-",
        "RTCC_MEDIA_BUCKET": "rtcc-media-bench",
        "RTCC_USER_POOL_ID": "us-east-1_bench",
        "RTCC_USER_POOL_CLIENT_ID": "bench",
        "RTCC_PUBLIC_BASE_URL": "https://rtcc.example.gov",
        "RTCC_SMS_BACKEND": "twilio",
    }
    for q in TOPOLOGY.queues:
        env[queue_url_env_var(q.name)] = f"https://sqs.us-east-1.amazonaws.com/000000000000/rtcc-{q.name}"
    return env


def _run(code: str, env: dict[str, str], importtime: bool) -> tuple[float, str]:
    args = [sys.executable, *(["-X", "importtime"] if importtime else []), "-c", code]
    start = time.perf_counter()
    result = subprocess.run(args, env=env, capture_output=True, text=True, timeout=120)
    wall_ms = (time.perf_counter() - start) * 1000
    if result.returncode != 0:
        tail = "\n".join(line for line in result.stderr.splitlines() if not line.startswith("import time:"))
        raise RuntimeError(f"{code!r} failed:\n{tail[-2000:]}")
    return wall_ms, result.stderr


def measure_import(module: str, function_name: str) -> dict[str, float]:
    env = lambda_environment(function_name)
    baseline = statistics.median(_run("pass", env, importtime=False)[0] for _ in range(RUNS))
    cumulative, walls, slowest = [], [], {}
    for _ in range(RUNS):
        wall_ms, stderr = _run(f"import {module}", env, importtime=True)
        walls.append(wall_ms)
        for line in stderr.splitlines():
            match = _IMPORTTIME.match(line)
            if not match:
                continue
            cum_us, indent, name = int(match.group(2)), len(match.group(3)), match.group(4)
            if name == module:
                cumulative.append(cum_us / 1000)
            if indent == 2:  # what the handler module imports directly
                slowest[name] = max(slowest.get(name, 0.0), cum_us / 1000)
    heaviest = sorted(slowest.items(), key=lambda kv: kv[1], reverse=True)[:5]
    return {
        "import_ms_p50": round(statistics.median(cumulative), 1),
        "import_ms_min": round(min(cumulative), 1),
        "import_ms_max": round(max(cumulative), 1),
        "wall_minus_empty_interpreter_ms_p50": round(statistics.median(walls) - baseline, 1),
        "empty_interpreter_ms_p50": round(baseline, 1),
        "heaviest_imports_ms": {name: round(ms, 1) for name, ms in heaviest},
    }


def _timed(statement: str, env: dict[str, str], then: str = "") -> tuple[float, float]:
    """ms for `statement` in a fresh interpreter, and ms for `then` run right after it."""
    code = (
        "import time\n"
        f"t0 = time.perf_counter()\n{statement}\nt1 = time.perf_counter()\n"
        f"{then}\nt2 = time.perf_counter()\n"
        "print((t1 - t0) * 1000, (t2 - t1) * 1000)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    if result.returncode != 0:
        raise RuntimeError(f"{statement!r} failed:\n{result.stderr[-2000:]}")
    first, second = result.stdout.split()[-2:]
    return float(first), float(second)


#: What every rtcc handler needs before it can do anything: boto3, the settings
#: (pydantic-settings, DESIGN.md) and the table models (pynamodb). Not a handler: the
#: floor a handler's ratio cannot go below without dropping one of them.
FLOOR = "import boto3\nfrom rtcc.settings import get_settings\nget_settings()\nimport rtcc.store"

#: The first request to `api` after a cold import: what lazily imported routers cost.
_FIRST_API_REQUESTS = {
    "health": "/api/health",
    "openapi": "/api/openapi.json",
}


def _api_request(path: str) -> str:
    event = {
        "resource": "/api/{proxy+}",
        "path": path,
        "httpMethod": "GET",
        "headers": {"Host": "rtcc.example.gov"},
        "multiValueHeaders": {},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": {"proxy": path.removeprefix("/api/")},
        "requestContext": {"requestId": "bench", "stage": "prod", "path": path},
        "body": None,
        "isBase64Encoded": False,
    }
    return (
        "import functions.api as m\n"
        "class C:\n"
        "    function_name = 'rtcc-api'; memory_limit_in_mb = 512; aws_request_id = 'bench'\n"
        "    invoked_function_arn = 'arn:aws:lambda:us-east-1:000000000000:function:rtcc-api'\n"
        f"r = m.handler({event!r}, C())\n"
        "assert r['statusCode'] == 200, r"
    )


def measure_ratios(specs: tuple = TOPOLOGY.functions) -> dict:
    """Best of RATIO_RUNS fresh interpreters for `import boto3` and each handler module,
    in the same run, and each handler's ratio to boto3.

    Rounds interleave (boto3, then every handler, RATIO_RUNS times), so a burst of load
    from another process lands on both sides of a ratio rather than on one."""
    samples: dict[str, list[float]] = {"boto3": [], "floor": []}
    first: dict[str, list[float]] = {name: [] for name in _FIRST_API_REQUESTS}
    for _ in range(RATIO_RUNS):
        samples["boto3"].append(_timed("import boto3", lambda_environment("bench"))[0])
        samples["floor"].append(_timed(FLOOR, lambda_environment("bench"))[0])
        for spec in specs:
            env = lambda_environment(spec.name)
            samples.setdefault(spec.name, []).append(_timed(f"import {spec.module}", env)[0])
            if spec.name == "api":
                for name, path in _FIRST_API_REQUESTS.items():
                    first[name].append(_timed("pass", env, then=_api_request(path))[1])
    boto3_ms = min(samples["boto3"])
    handlers: dict[str, dict] = {}
    for spec in specs:
        best = min(samples[spec.name])
        handlers[spec.name] = {
            "module": spec.module,
            "import_ms_best": round(best, 1),
            "ratio_to_boto3": round(best / boto3_ms, 2),
        }
        if spec.name == "api":
            handlers[spec.name]["import_plus_first_request_ms_best"] = {
                name: round(min(values), 1) for name, values in first.items()
            }
    return {
        "runs": RATIO_RUNS,
        "boto3_import_ms_best": round(boto3_ms, 1),
        "target_ratio": RATIO_TARGET,
        "floor_settings_and_tables": {
            "import_ms_best": round(min(samples["floor"]), 1),
            "ratio_to_boto3": round(min(samples["floor"]) / boto3_ms, 2),
        },
        "handlers": handlers,
        "all_within_target": all(h["ratio_to_boto3"] <= RATIO_TARGET for h in handlers.values()),
    }


def _mb(size: int) -> float:
    return round(size / 1_000_000, 2)


def measure_sizes(architecture: str) -> dict:
    layer_root = LayerBundle(architecture).path()
    python_dir = layer_root / "python"
    packages = sorted(
        ((p.name, directory_size(p) if p.is_dir() else p.stat().st_size) for p in python_dir.iterdir()),
        key=lambda kv: kv[1],
        reverse=True,
    )
    functions = {}
    for spec in TOPOLOGY.functions:
        functions[spec.name] = _mb(directory_size(FunctionBundle(spec.module).path()))
    layer_mb = _mb(directory_size(layer_root))
    return {
        "architecture": architecture,
        "layer_mb_unzipped": layer_mb,
        "layer_largest_packages_mb": {name: _mb(size) for name, size in packages[:8]},
        "rtcc_package_mb": _mb(directory_size(python_dir / "rtcc")),
        "function_bundles_mb_unzipped": functions,
        "largest_function_plus_layer_mb": round(layer_mb + max(functions.values()), 2),
        "lambda_unzipped_limit_mb": LAMBDA_UNZIPPED_LIMIT_MB,
        "headroom_mb": round(LAMBDA_UNZIPPED_LIMIT_MB - layer_mb - max(functions.values()), 2),
    }


def main() -> int:
    architecture = load_config(DEFAULT_CONFIG).lambda_architecture
    ratios = measure_ratios()
    floor = ratios["floor_settings_and_tables"]
    print(
        f"  floor (boto3 + settings + table models): {floor['import_ms_best']:.0f} ms"
        f" = {floor['ratio_to_boto3']:.2f}x"
    )
    for name, h in ratios["handlers"].items():
        mark = "ok" if h["ratio_to_boto3"] <= RATIO_TARGET else f"over {RATIO_TARGET}x"
        print(f"  {name}: {h['import_ms_best']:.0f} ms = {h['ratio_to_boto3']:.2f}x import boto3 ({mark})")
    imports = {spec.name: measure_import(spec.module, spec.name) for spec in TOPOLOGY.functions}
    sizes = measure_sizes(architecture)
    result = {
        "runs": RUNS,
        "python_for_imports": sys.version.split()[0],
        "ratio_to_boto3": ratios,
        "imports": imports,
        "sizes": sizes,
        "ok": sizes["headroom_mb"] > 0,
    }
    api_ms = imports.get("api", next(iter(imports.values())))["import_ms_p50"]
    slowest_name, slowest = max(imports.items(), key=lambda kv: kv[1]["import_ms_p50"])
    largest_fn = max(sizes["function_bundles_mb_unzipped"].values())
    functions_text = "<0.1 MB" if largest_fn < 0.1 else f"<= {largest_fn} MB"
    slowest_text = (
        "" if slowest_name == "api" else f", slowest {slowest_name} {slowest['import_ms_p50']:.0f} ms"
    )
    worst_name, worst = max(ratios["handlers"].items(), key=lambda kv: kv[1]["ratio_to_boto3"])
    summary = (
        f"lambda_footprint: import boto3 {ratios['boto3_import_ms_best']:.0f} ms (best of {RATIO_RUNS});"
        f" api {ratios['handlers']['api']['ratio_to_boto3']:.2f}x, worst {worst_name}"
        f" {worst['ratio_to_boto3']:.2f}x (target {RATIO_TARGET}x)"
        f" | api import {api_ms:.0f} ms (p50 of {RUNS}){slowest_text}"
        f" | layer {sizes['layer_mb_unzipped']:.1f} MB unzipped (limit {LAMBDA_UNZIPPED_LIMIT_MB} MB)"
        f" | functions {functions_text}"
    )
    write_result("lambda_footprint", result, summary=summary)
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
