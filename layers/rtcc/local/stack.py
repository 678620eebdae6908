"""`rtcc dev` in one object: the AWS emulator with every declared resource, demo users
and data, the local API gateway, and the SQS pollers, all in this process.

    stack = LocalStack(http_port=0, aws_port=0)
    stack.start()            # returns when everything answers
    ...stack.base_url, stack.id_token("admin")...
    stack.stop()

Everything is served under `base_path` ("/prod" by default, the stage of the deployed
execute-api URL), so stack.base_url is e.g. http://127.0.0.1:8000/prod and is also
RTCC_PUBLIC_BASE_URL; base_path="" serves at the root, as a custom domain does.

Deployed Lambdas never import this package.
"""

from __future__ import annotations

import importlib
import logging
import os
import secrets
import shutil
import socket
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import requests
from moto.core.models import DEFAULT_ACCOUNT_ID as MOTO_ACCOUNT_ID
from werkzeug.serving import BaseWSGIServer, make_server

from rtcc.auth import ALL_ROLES
from rtcc.local.cognito_fidelity import TOKEN_CLOCK, make_cognito_tokens_faithful
from rtcc.local.emulator import LocalAwsEmulator
from rtcc.local.extensions import EXTENSION_MODULES
from rtcc.local.fidelity import make_dynamodb_writes_atomic
from rtcc.local.gateway import LocalGateway, QuietRequestHandler, normalize_base_path
from rtcc.local.iam import identity
from rtcc.local.iam.deployed import template_versioned_buckets
from rtcc.local.iam.enforcer import CallLog, IamEnforcer
from rtcc.local.iam.local_resources import DeployedResources, create_deployed_keys_and_secrets
from rtcc.local.iam.snapshot import load_snapshot
from rtcc.local.kvs import KinesisVideoTagsStandIn, create_template_streams
from rtcc.local.kvs_media import KvsMediaStandIn
from rtcc.local.mail import verify_granted_identities
from rtcc.local.places import DEMO_PLACE_INDEX, PlacesStandIn
from rtcc.local.pollers import QueuePoller, StreamPoller
from rtcc.local.provision import aws_client, create_queue, create_staff_user, create_user_pool, provision
from rtcc.local.runtime import FunctionRuntime, Handler
from rtcc.local.schedules import ScheduledRunner
from rtcc.local.seed import SeedContext, run_seeds
from rtcc.local.tokens import IdTokenVerifier
from rtcc.resources import QueueResource, declared_resources, dlq_name, queue_name, queue_url_env_var
from rtcc.settings import Settings, reload_settings
from rtcc.store import bind_models
from rtcc.topology import TOPOLOGY, FunctionSpec, QueueSpec, Topology

logger = logging.getLogger("rtcc.local")

#: infra.constructs.api.STAGE_NAME, as it appears in the execute-api URL.
DEFAULT_BASE_PATH = "/prod"
REPO_ROOT = Path(__file__).resolve().parents[3]
DEFAULT_WEB_ROOT = REPO_ROOT / "web" / "public"

_ACTIVE_LOCK = threading.Lock()
_ACTIVE: LocalStack | None = None


def _check_port_free(port: int) -> None:
    if port == 0:
        return
    with socket.socket() as probe:
        # As the servers bind (werkzeug sets SO_REUSEADDR): connections of a stack that just
        # stopped linger in TIME_WAIT for up to a minute, which must not count as "in use".
        # A live listener still refuses the bind.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as exc:
            raise OSError(
                f"port {port} on 127.0.0.1 is in use; pick another (or 0 for any free port)"
            ) from exc


def random_demo_password() -> str:
    # Meets the pool policy: 12+ characters with upper, lower, digit and symbol.
    return f"Rtcc-{secrets.token_urlsafe(12)}-7q"


class LocalStack:
    def __init__(
        self,
        http_port: int = 8000,
        aws_port: int = 4566,
        demo_password: str | None = None,
        seed: bool = True,
        web_root: str | Path | None = None,
        topology: Topology = TOPOLOGY,
        handlers: dict[str, Handler] | None = None,
        base_path: str = DEFAULT_BASE_PATH,
        enforce_iam: bool = True,
    ) -> None:
        self.http_port = http_port
        self.base_path = normalize_base_path(base_path)
        self.aws_port = aws_port
        # Each function's calls are held to the IAM its role gets in the synthesized stack
        # (rtcc.local.iam). False (debugging only): calls are still checked and listed at
        # /dev/aws-calls, but a denied one goes through.
        self.enforce_iam = enforce_iam
        self.aws_calls = CallLog()
        self.permissions: Any = None
        self.demo_password = demo_password or random_demo_password()
        self.seed = seed
        self.web_root = Path(web_root) if web_root else DEFAULT_WEB_ROOT
        self.topology = topology
        self._handler_overrides = dict(handlers or {})

        self.base_url = ""
        self.aws_endpoint_url = ""
        self.user_pool_id = ""
        self.client_id = ""
        self.users: dict[str, str] = {}
        self.queue_urls: dict[str, str] = {}
        self.settings: Settings | None = None

        self._moto: Any = None
        # Kinesis Video Streams' data endpoint (PutMedia, HLS, GetClip): rtcc.local.kvs_media.
        self.kvs_media: KvsMediaStandIn | None = None
        #: Run first by stop(), newest first: what `rtcc dev`'s demos started on this stack
        #: (rtcc.local.demo_video's agents), ended before the services they use.
        self.stop_hooks: list[Callable[[], None]] = []
        self._http: BaseWSGIServer | None = None
        self._http_thread: threading.Thread | None = None
        self._pollers: list[QueuePoller | StreamPoller] = []
        self._schedules: list[ScheduledRunner] = []
        self._saved_env: dict[str, str | None] = {}
        self._runtime: FunctionRuntime | None = None
        self._verifier: IdTokenVerifier | None = None
        self._started = False
        self._tokens_lock = threading.Lock()

    # -- lifecycle -----------------------------------------------------------------

    def start(self) -> LocalStack:
        global _ACTIVE
        with _ACTIVE_LOCK:
            if _ACTIVE is not None:
                raise RuntimeError("a LocalStack is already running in this process; stop it first")
            _ACTIVE = self
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        make_dynamodb_writes_atomic()
        make_cognito_tokens_faithful()
        # The emulator and the gateway log through our own loggers, never per request line.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        _check_port_free(self.aws_port)
        # The synthesized template (cached): the deployed policies, keys and secrets.
        snapshot = load_snapshot()
        identity.install()
        self._start_emulator()
        gateway = self._bind_gateway()
        self._set_local_env()
        settings = reload_settings()
        self._set_env(AWS_DEFAULT_REGION=settings.region, AWS_REGION=settings.region)
        self._runtime.region = settings.region
        bind_models(settings)

        deployed = self._provision(snapshot, settings)
        self._create_staff_pool(settings)
        self.settings = settings = reload_settings()
        bind_models(settings)
        # From here on every call a function makes is checked (before: provisioning).
        self.permissions = deployed.permissions(self.user_pool_id)
        # The senders the template lets functions mail from, verified as a city verifies
        # them in SES before deploying (rtcc.local.mail).
        verify_granted_identities(
            self.permissions.identity, aws_client("ses", self.aws_endpoint_url, settings.region)
        )
        # The city cameras' video streams the template creates (rtcc.local.kvs).
        create_template_streams(
            snapshot["template"]["Resources"],
            aws_client("kinesisvideo", self.aws_endpoint_url, settings.region),
        )
        self._start_kvs_media()
        # The console's CSP lets live video play from the stand-in (rtcc.web_security).
        gateway.video_url = lambda: self.kvs_media.url if self.kvs_media else None

        gateway.verifier = self._verifier = IdTokenVerifier(
            jwks_url=f"{self.aws_endpoint_url}/{self.user_pool_id}/.well-known/jwks.json",
            issuer=settings.cognito_issuer,
            client_id=self.client_id,
            clock=TOKEN_CLOCK.time,
        )
        for name, handler in self._handler_overrides.items():
            self._runtime.register(self.topology.function(name), handler)
        self._import_extensions()
        self._warm_functions()
        if self.seed:
            self._seed(settings)
        self._start_pollers(settings)
        self._start_schedules()
        self._serve()

    def _start_emulator(self) -> None:
        self._moto = LocalAwsEmulator("127.0.0.1", self.aws_port, wrap=self._iam_middleware)
        self._moto.start()
        self.aws_endpoint_url = f"http://127.0.0.1:{self._moto.get_host_and_port()[1]}"
        # moto's state is process-wide: start from nothing, whatever ran before.
        requests.post(f"{self.aws_endpoint_url}/moto-api/reset", timeout=10).raise_for_status()

    def _start_kvs_media(self) -> None:
        """The media stand-in, behind the same IAM; its fragments live in a directory of
        this stack's (kept across the stand-in's own stop()/start(), gone with the stack)."""
        origin = "/".join(self.base_url.split("/")[:3])  # the console's origin, for HLS CORS
        self.kvs_media = KvsMediaStandIn(
            Path(tempfile.mkdtemp(prefix="rtcc-kvs-media-")),
            permissions=lambda: self.permissions,
            account=MOTO_ACCOUNT_ID,
            region=lambda: self._region,
            console_origin=lambda: origin,
            enforce=self.enforce_iam,
            log=self.aws_calls,
        ).start()

    def _bind_gateway(self) -> LocalGateway:
        """Bind the HTTP port now (its URL goes into the settings); `_serve` serves it
        once all is ready. The verifier comes when the user pool exists."""
        self._runtime = FunctionRuntime(region="")
        gateway = LocalGateway(
            self.topology,
            self._runtime,
            verifier=None,  # type: ignore[arg-type]
            web_root=self.web_root,
            base_path=self.base_path,
        )
        self._http = make_server(
            "127.0.0.1", self.http_port, gateway, threaded=True, request_handler=QuietRequestHandler
        )
        self.base_url = f"http://127.0.0.1:{self._http.server_port}{self.base_path}"
        return gateway

    def _set_local_env(self) -> None:
        """What the functions' settings and boto3 read in `rtcc dev`: the emulator, the
        outbox SMS backend, the gateway's URL, no tracing or metrics."""
        self._set_env(
            AWS_ENDPOINT_URL=self.aws_endpoint_url,
            AWS_ACCESS_KEY_ID="testing",
            AWS_SECRET_ACCESS_KEY="testing",
            AWS_SESSION_TOKEN=None,
            AWS_PROFILE=None,
            RTCC_AWS_ENDPOINT_URL=self.aws_endpoint_url,
            RTCC_PUBLIC_BASE_URL=self.base_url,
            RTCC_ENVIRONMENT="local",
            RTCC_SMS_BACKEND="outbox",
            # The demo place index the stand-in serves (and the enforced template grants).
            RTCC_ALERTS_PLACE_INDEX=DEMO_PLACE_INDEX,
            RTCC_DEMO_PASSWORD=self.demo_password,
            # Browsers call moto's Cognito directly: it answers CORS preflights for any origin.
            RTCC_COGNITO_ENDPOINT=f"{self.aws_endpoint_url}/",
            POWERTOOLS_TRACE_DISABLED="1",
            # No CloudWatch locally: embedded-metric lines would only flood stdout.
            POWERTOOLS_METRICS_DISABLED="true",
            POWERTOOLS_METRICS_NAMESPACE="rtcc",
            POWERTOOLS_LOG_LEVEL=os.environ.get("POWERTOOLS_LOG_LEVEL", "INFO"),
        )

    def _provision(self, snapshot: dict[str, Any], settings: Settings) -> DeployedResources:
        """Every declared table, queue and bucket, and the keys and secrets the template
        creates (so functions use them as deployed); their URLs and ARNs go in the env."""
        resources = declared_resources(settings, self.topology)
        self.queue_urls = provision(
            resources, self.aws_endpoint_url, settings.region, versioned=template_versioned_buckets(snapshot)
        )
        self._set_env(**{queue_url_env_var(name): url for name, url in self.queue_urls.items()})
        deployed = create_deployed_keys_and_secrets(snapshot, resources, self.aws_endpoint_url, settings)
        self._set_env(**deployed.env)
        return deployed

    def _create_staff_pool(self, settings: Settings) -> None:
        """The staff user pool with one demo user per role."""
        cognito = aws_client("cognito-idp", self.aws_endpoint_url, settings.region)
        pool = create_user_pool(cognito, f"{settings.table_prefix}staff")
        self.user_pool_id, self.client_id = pool.pool_id, pool.client_id
        for role in ALL_ROLES:
            create_staff_user(cognito, pool.pool_id, role.value, self.demo_password, [role.value])
            self.users[role.value] = role.value
        self._set_env(RTCC_USER_POOL_ID=self.user_pool_id, RTCC_USER_POOL_CLIENT_ID=self.client_id)

    def _seed(self, settings: Settings) -> None:
        run_seeds(
            SeedContext(
                settings=settings,
                endpoint_url=self.aws_endpoint_url,
                users=dict(self.users),
                queue_urls=dict(self.queue_urls),
                stack=self,
            )
        )

    def _start_pollers(self, settings: Settings) -> None:
        sqs = aws_client("sqs", self.aws_endpoint_url, settings.region)
        for queue in self.topology.queues:
            self._start_poller(
                sqs, queue, self.topology.function(queue.consumer), self.queue_urls[queue.name]
            )
        self._start_audit_stream(settings)

    def _start_audit_stream(self, settings: Settings) -> None:
        """The audit table's stream feeds `audit-archive`, as the deployed event source
        mapping does (infra/constructs/audit.py)."""
        from rtcc.store import AuditEntryRecord

        table = aws_client("dynamodb", self.aws_endpoint_url, settings.region).describe_table(
            TableName=AuditEntryRecord.Meta.table_name
        )["Table"]
        # Signed as the function the poller acts for (no fixed keys), like _start_poller.
        streams = boto3.client(
            "dynamodbstreams", endpoint_url=self.aws_endpoint_url, region_name=self._region
        )
        assert self._runtime is not None
        archiver = self.topology.function("audit-archive")
        poller = StreamPoller(streams, table["LatestStreamArn"], archiver, self._runtime, self._region)
        poller.start()
        self._pollers.append(poller)

    def _start_schedules(self) -> None:
        for schedule in self.topology.schedules:
            runner = ScheduledRunner(
                schedule, self.topology.function(schedule.function), self._runtime, self._region
            )
            runner.run_once()  # catch up now; then on the timer
            runner.start()
            self._schedules.append(runner)

    def _serve(self) -> None:
        self._http_thread = threading.Thread(
            target=self._http.serve_forever, name="rtcc-gateway", daemon=True
        )
        self._http_thread.start()
        requests.get(f"{self.base_url}/api/health", timeout=30)
        self._started = True

    def stop(self) -> None:
        """Stops pollers, the gateway and the emulator, and restores the environment.
        Safe to call more than once."""
        global _ACTIVE
        while self.stop_hooks:
            try:
                self.stop_hooks.pop()()
            except Exception:
                logger.exception("a stop hook failed")
        for poller in self._pollers:
            poller.signal_stop()  # all at once: each may be in a long-poll
        for poller in self._pollers:
            poller.stop()
        self._pollers.clear()
        for runner in self._schedules:
            runner.stop()
        self._schedules.clear()
        if self._http is not None:
            if self._http_thread is not None:
                self._http.shutdown()
                self._http_thread.join(10)
            self._http.server_close()
            self._http = None
            self._http_thread = None
        if self.kvs_media is not None:
            self.kvs_media.stop()
            shutil.rmtree(self.kvs_media.store.root, ignore_errors=True)
            self.kvs_media = None
        if self._moto is not None:
            try:
                self._moto.stop()
            finally:
                self._moto = None
        if self._saved_env:
            for name, value in self._saved_env.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
            self._saved_env.clear()
            bind_models(reload_settings())
        self._started = False
        with _ACTIVE_LOCK:
            if _ACTIVE is self:
                _ACTIVE = None

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what tests and seeds use --------------------------------------------------

    def id_token(self, username: str, password: str | None = None) -> str:
        """A fresh Cognito ID token for `username` (password sign-in, as the console does)."""
        cognito = aws_client("cognito-idp", self.aws_endpoint_url, self._region)
        result = cognito.initiate_auth(
            ClientId=self.client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": password or self.demo_password},
        )
        return str(result["AuthenticationResult"]["IdToken"])

    @contextmanager
    def token_time_travel(self, seconds: float) -> Iterator[None]:
        """Within the block, Cognito issues and the gateway checks tokens `seconds` from
        now (tests: a token outlives its lifetime without the test waiting for it)."""
        with TOKEN_CLOCK.travel(seconds):
            yield

    @contextmanager
    def without_grant(self, function: str, action: str) -> Iterator[None]:
        """Within the block, `function` runs as if its deployed role lacked `action`
        (tests: a revoked grant must make a flow fail with AWS's error)."""
        saved = self.permissions
        self.permissions = saved.without(function, action)
        try:
            yield
        finally:
            self.permissions = saved

    def add_consumer(
        self, queue: QueueSpec, function: FunctionSpec, handler: Callable[[dict, Any], Any] | None = None
    ) -> str:
        """Creates `queue` (and its DLQ) and starts a poller feeding `function`; for
        tests that need a queue the topology does not declare. Returns the queue URL."""
        assert self._runtime is not None and self.settings is not None, "start() the stack first"
        if handler is not None:
            self._runtime.register(function, handler)
        sqs = aws_client("sqs", self.aws_endpoint_url, self._region)
        resource = QueueResource(
            queue, queue_name(queue.name, self.settings), dlq_name(queue.name, self.settings)
        )
        url = create_queue(sqs, resource)
        self.queue_urls[queue.name] = url
        self._set_env(**{queue_url_env_var(queue.name): url})
        self._start_poller(sqs, queue, function, url)
        return url

    def gateway_app(
        self, topology: Topology, handlers: dict[str, Handler], base_path: str = ""
    ) -> LocalGateway:
        """A gateway WSGI app for another topology, verifying tokens of this stack's user
        pool: tests drive it with werkzeug's test client to check the event shapes."""
        assert self._verifier is not None, "start() the stack first"
        runtime = FunctionRuntime(self._region)
        for name, handler in handlers.items():
            runtime.register(topology.function(name), handler)
        return LocalGateway(topology, runtime, self._verifier, self.web_root, base_path)

    # -- internals ---------------------------------------------------------------

    @property
    def _region(self) -> str:
        return self.settings.region if self.settings else "us-east-1"

    def _iam_middleware(self, app: Any) -> Any:
        # moto has no Location service: its place search is answered beside moto, behind
        # the same IAM check (rtcc.local.places).
        # Nor TagStream and ListTagsForStream of Kinesis Video Streams (rtcc.local.kvs).
        return IamEnforcer(
            PlacesStandIn(KinesisVideoTagsStandIn(app, media_url=self._kvs_media_url)),
            lambda: self.permissions,
            account=MOTO_ACCOUNT_ID,
            enforce=self.enforce_iam,
            log=self.aws_calls,
        )

    def _kvs_media_url(self) -> str | None:
        return self.kvs_media.url if self.kvs_media is not None else None

    def _start_poller(self, sqs: Any, queue: QueueSpec, function: FunctionSpec, url: str) -> None:
        assert self._runtime is not None
        # Lambda's event source mapping polls with the function's own role: a client
        # without fixed keys signs as the function the poller acts for.
        sqs = boto3.client("sqs", endpoint_url=self.aws_endpoint_url, region_name=self._region)
        poller = QueuePoller(sqs, queue, url, function, self._runtime, self._region)
        poller.start()
        self._pollers.append(poller)

    def _set_env(self, **values: str | None) -> None:
        for name, value in values.items():
            if name not in self._saved_env:
                self._saved_env[name] = os.environ.get(name)
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value

    def _import_extensions(self) -> None:
        for module in EXTENSION_MODULES:
            importlib.import_module(module)

    def _warm_functions(self) -> None:
        """Imports every handler now, as Lambda's init phase would. A function whose
        import fails is logged and answers 502 when called, like a failed init."""
        assert self._runtime is not None
        for spec in self.topology.functions:
            try:
                self._runtime.handler(spec)
            except Exception:
                logger.exception("function %s (%s) failed to import", spec.name, spec.module)


def active_stack() -> LocalStack | None:
    """The stack running in this process, if any (for local-only routes)."""
    with _ACTIVE_LOCK:
        return _ACTIVE
