"""Route matching as API Gateway does it, which decides what needs a token."""

import pytest
from rtcc.topology import TOPOLOGY, HttpRoute, QueueSpec, Topology, is_public_path, match_route


def test_exact_public_resources_beat_the_authorized_proxy() -> None:
    assert match_route("/api/health").public
    assert is_public_path("/api/health")
    assert not is_public_path("/api/audit")
    assert match_route("/api/audit").path == "/api/{proxy+}"


def test_pages_and_assets_are_public_and_unknown_api_paths_are_not() -> None:
    assert is_public_path("/")
    assert is_public_path("/assets/console.js")
    assert not is_public_path("/api/health/../audit")
    assert not is_public_path("/api/healthz")


def test_longest_greedy_prefix_wins() -> None:
    topo = Topology(
        functions=TOPOLOGY.functions,
        routes=(HttpRoute("/api/{proxy+}", "api"), HttpRoute("/api/public/{proxy+}", "api", public=True)),
    )
    assert match_route("/api/public/tips", topo).public
    assert not match_route("/api/publicity", topo).public
    assert match_route("/webhooks/x", topo) is None


def test_every_route_names_a_declared_function() -> None:
    names = {f.name for f in TOPOLOGY.functions}
    assert all(route.function in names for route in TOPOLOGY.routes)
    assert all(queue.consumer in names for queue in TOPOLOGY.queues)


@pytest.mark.parametrize("cap", [0, 1, 1001])
def test_a_queue_concurrency_cap_outside_lambdas_range_is_refused(cap: int) -> None:
    # Lambda's event source mappings take 2..1000; anything else would fail only at deploy.
    with pytest.raises(ValueError, match="max_concurrency"):
        QueueSpec("q", "api", max_concurrency=cap)
    assert all(2 <= q.max_concurrency <= 1000 for q in TOPOLOGY.queues)
