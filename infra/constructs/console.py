"""The static console and public pages, served from S3 through the same REST API.

One origin for pages, API and webhooks: no CORS, and the WAF covers all of it. Each path
in `TOPOLOGY.pages` maps to one object; `/vendor/...` and `/assets/...` map to the same
keys in the bucket. `web/public/` is uploaded by `BucketDeployment` (no Docker needed).
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import RemovalPolicy, Stack, Token
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct
from rtcc.topology import Topology
from rtcc.web_security import (
    CONNECT_PLACEHOLDER,
    IMAGE_PLACEHOLDER,
    SECURITY_HEADERS,
    VIDEO_PLACEHOLDER,
    bucket_endpoint,
    deployed_connect_sources,
    deployed_video_sources,
    tile_image_sources,
    with_connect_sources,
    with_image_sources,
    with_video_sources,
)

from infra.config import REPO_ROOT, DeployConfig
from infra.constructs.api import ApiConstruct
from infra.constructs.data import DataConstruct
from infra.nag import acknowledge, arn_of

WEB_PUBLIC = REPO_ROOT / "web" / "public"
#: Folders served under their own name, any depth: /vendor/{proxy+} -> vendor/<proxy>.
#: i18n holds the public pages' message catalogs (web/public/i18n/<lang>.json).
STATIC_FOLDERS = ("vendor", "assets", "i18n")

#: API Gateway's static header values are quoted.
_SECURITY_HEADERS = {name: f"'{value}'" for name, value in SECURITY_HEADERS.items()}
#: The bucket presigned previews and upload forms point to (rtcc.topology's buckets).
_MEDIA_BUCKET = "media"
#: Buckets only the console uploads to (presigned forms): hotlist files.
_CONSOLE_UPLOAD_BUCKETS = ("lpr-hotlists",)
#: Public pages that upload to a bucket of their own: camera owners PUT clips' parts to the
#: evidence bucket (rtcc.api.routes.footage_public).
_PAGE_UPLOAD_BUCKETS = {"footage-request.html": ("camera-evidence",)}


class ConsoleConstruct(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: DeployConfig,
        topology: Topology,
        api: ApiConstruct,
        data: DataConstruct,
        web_root: Path = WEB_PUBLIC,
    ) -> None:
        super().__init__(scope, construct_id)
        if not web_root.is_dir():
            raise FileNotFoundError(f"{web_root} does not exist: run `make install` to build the web assets")

        self.bucket = self._bucket(data)
        self.deployment = self._upload(web_root, data, config)
        self._acknowledge_upload_function()
        self.read_role = self._read_role()
        self._serve(api, topology)

    def _bucket(self, data: DataConstruct) -> s3.Bucket:
        return s3.Bucket(
            self,
            "ConsoleBucket",
            # Public static files only (no records): SSE-S3 lets API Gateway read them
            # without a KMS grant on the data key.
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            server_access_logs_bucket=data.log_bucket,
            server_access_logs_prefix="console/",
            removal_policy=RemovalPolicy.RETAIN,
        )

    def _upload(self, web_root: Path, data: DataConstruct, config: DeployConfig) -> s3deploy.BucketDeployment:
        """web/public as it is, except the pages whose CSP names a placeholder: those are
        written with this stack's Cognito and media bucket origins (the bucket's name is
        known only at deploy time: Source.data resolves it then) and the configured map
        tile server's origin, or none."""
        region = Stack.of(self).region
        connect = deployed_connect_sources(region, data.buckets[_MEDIA_BUCKET].bucket_name)
        # The console (index.html) also posts hotlist files to their bucket's presigned form
        # (rtcc.api.routes.lpr_hotlists); the public pages never do.
        console_connect = connect + [
            bucket_endpoint(region, data.buckets[name].bucket_name)
            for name in _CONSOLE_UPLOAD_BUCKETS
            if name in data.buckets
        ]
        images = tile_image_sources(config.map_tiles)
        video = deployed_video_sources(region)  # live video's HLS (rtcc.web_security says why)
        markers = (CONNECT_PLACEHOLDER, IMAGE_PLACEHOLDER, VIDEO_PLACEHOLDER)
        pages = {
            path.relative_to(web_root).as_posix(): with_video_sources(with_image_sources(text, images), video)
            for path in sorted(web_root.glob("*.html"))
            if any(marker in (text := path.read_text(encoding="utf-8")) for marker in markers)
        }
        sources = [
            # A bare name matches at any depth; no other file of web/public has these names
            # (the template test checks no page with the placeholder is uploaded as it is).
            s3deploy.Source.asset(str(web_root), exclude=list(pages)),
            *(
                s3deploy.Source.data(
                    key,
                    with_connect_sources(
                        page,
                        console_connect
                        if key == "index.html"
                        else connect
                        + [
                            bucket_endpoint(region, data.buckets[name].bucket_name)
                            for name in _PAGE_UPLOAD_BUCKETS.get(key, ())
                            if name in data.buckets
                        ],
                    ),
                )
                for key, page in pages.items()
            ),
        ]
        return s3deploy.BucketDeployment(
            self,
            "Upload",
            sources=sources,
            destination_bucket=self.bucket,
            prune=True,
            memory_limit=512,
        )

    def _read_role(self) -> iam.Role:
        """What API Gateway reads the console bucket as."""
        role = iam.Role(
            self,
            "ApiGatewayReadRole",
            assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"),
            description="API Gateway reads console files from the console bucket",
        )
        role.add_to_policy(
            iam.PolicyStatement(actions=["s3:GetObject"], resources=[self.bucket.arn_for_objects("*")])
        )
        acknowledge(
            role,
            "API Gateway serves any file of the console bucket (pages, vendor libraries, assets): "
            "read-only GetObject on that one bucket's objects.",
            f"AwsSolutions-IAM5[Resource::{arn_of(self.bucket)}/*]",
        )
        return role

    def _serve(self, api: ApiConstruct, topology: Topology) -> None:
        """A GET method per page, and one per static folder (any depth below it)."""
        root = api.rest_api.root
        page_paths = set(topology.pages)
        route_paths = {r.path for r in topology.routes}
        if clash := page_paths & route_paths:
            raise ValueError(f"paths both a page and an API route: {sorted(clash)}")
        for path, key in topology.pages.items():
            resource = root if path == "/" else root.resource_for_path(path)
            method = resource.add_method(
                "GET", self._integration(key), method_responses=self._method_responses()
            )
            api.acknowledge_public(method, f"GET {path}")
        for folder in STATIC_FOLDERS:
            resource = root.resource_for_path(f"/{folder}/{{proxy+}}")
            method = resource.add_method(
                "GET",
                self._integration(f"{folder}/{{proxy}}", proxy=True),
                method_responses=self._method_responses(),
                request_parameters={"method.request.path.proxy": True},
                request_validator=api.request_validator,
            )
            api.acknowledge_public(method, f"GET /{folder}/...")

    def _integration(self, key: str, *, proxy: bool = False) -> apigw.AwsIntegration:
        headers = {f"method.response.header.{h}": v for h, v in _SECURITY_HEADERS.items()}
        return apigw.AwsIntegration(
            service="s3",
            integration_http_method="GET",
            path=f"{self.bucket.bucket_name}/{key}",
            options=apigw.IntegrationOptions(
                credentials_role=self.read_role,
                request_parameters={"integration.request.path.proxy": "method.request.path.proxy"}
                if proxy
                else None,
                integration_responses=[
                    apigw.IntegrationResponse(
                        status_code="200",
                        response_parameters={
                            "method.response.header.Content-Type": "integration.response.header.Content-Type",
                            "method.response.header.ETag": "integration.response.header.ETag",
                            "method.response.header.Cache-Control": "'no-cache'",
                            **headers,
                        },
                    ),
                    # Without s3:ListBucket, S3 answers 403 for a missing key: both are "not found".
                    apigw.IntegrationResponse(
                        status_code="404",
                        selection_pattern=r"4\d{2}",
                        response_templates={
                            "application/json": '{"statusCode": 404, "message": "not found"}'
                        },
                        response_parameters=headers,
                    ),
                    apigw.IntegrationResponse(
                        status_code="502",
                        selection_pattern=r"5\d{2}",
                        response_templates={
                            "application/json": '{"statusCode": 502, "message": "storage unavailable"}'
                        },
                    ),
                ],
            ),
        )

    @staticmethod
    def _method_responses() -> list[apigw.MethodResponse]:
        security = {f"method.response.header.{h}": True for h in _SECURITY_HEADERS}
        return [
            apigw.MethodResponse(
                status_code="200",
                response_parameters={
                    "method.response.header.Content-Type": True,
                    "method.response.header.ETag": True,
                    "method.response.header.Cache-Control": True,
                    **security,
                },
            ),
            apigw.MethodResponse(status_code="404", response_parameters=security),
            apigw.MethodResponse(status_code="502"),
        ]

    def _acknowledge_upload_function(self) -> None:
        # BucketDeployment's handler is a stack-level singleton; acknowledge on it alone.
        stack = Stack.of(self)
        handler = next(c for c in stack.node.children if c.node.id.startswith("Custom::CDKBucketDeployment"))
        acknowledge(
            handler,
            "CDK's BucketDeployment handler: runs only during deployment to copy web/public into the "
            "console bucket; its runtime and role are maintained by the CDK team.",
            "AwsSolutions-L1",
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
        )
        acknowledge(
            handler,
            "The deployment handler copies whole asset zips into the console bucket: CDK grants it "
            "s3 read/write action families on the asset bucket and the console bucket only.",
            "AwsSolutions-IAM5[Action::s3:GetObject*]",
            "AwsSolutions-IAM5[Action::s3:GetBucket*]",
            "AwsSolutions-IAM5[Action::s3:List*]",
            "AwsSolutions-IAM5[Action::s3:DeleteObject*]",
            "AwsSolutions-IAM5[Action::s3:Abort*]",
            f"AwsSolutions-IAM5[Resource::{arn_of(self.bucket)}/*]",
            f"AwsSolutions-IAM5[Resource::{_asset_bucket_objects(stack)}]",
        )


def _asset_bucket_objects(stack: Stack) -> str:
    """How cdk-nag spells the CDK bootstrap asset bucket's objects for `stack`."""
    account = "<AWS::AccountId>" if Token.is_unresolved(stack.account) else stack.account
    qualifier = stack.synthesizer.bootstrap_qualifier or "hnb659fds"
    return f"arn:<AWS::Partition>:s3:::cdk-{qualifier}-assets-{account}-{stack.region}/*"
