"""The README's "How to add a capability", followed literally: a throwaway `notes`
capability (one table, one function behind one route, one console view, its grant) is
added to a copy of the repository by its declaration and its own files only, and then
found in the synthesized template, in the local stack's routes (called, under its
deployed IAM) and in the console's navigation in Chromium.

The copy keeps the real tree untouched and the other tests' process free of the extra
table; `.build` (bundled wheels, the IAM snapshot cache) is shared with the real tree.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.e2e.browser import CHROMIUM

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]

#: Step by step, the files the README's recipe says to write (paths relative to the repo).
RECIPE: dict[str, str] = {
    # 1. the declaration
    "layers/rtcc/notes/__init__.py": '"""Notes: a throwaway capability (tests only)."""\n',
    "layers/rtcc/notes/capability.py": """
        from rtcc.capability import Capability, FunctionSpec, HttpRoute

        NOTES = Capability(
            name="notes",
            description="Officers' notes (a throwaway capability)",
            store_modules=("rtcc.store.notes",),
            functions=(FunctionSpec("notes", "functions.notes", "notes", description="Lists notes"),),
            routes=(HttpRoute("/api/notes", "notes", methods=("GET",)),),
            console=True,
            counters={"NotesListed": "Notes lists by outcome"},
            construct="infra.constructs.notes:NotesConstruct",
        )
    """,
    # 2. tables
    "layers/rtcc/store/notes.py": """
        from pynamodb.attributes import UnicodeAttribute
        from pynamodb.models import Model

        from rtcc.store.base import register


        @register
        class NoteRecord(Model):
            class Meta:
                logical_name = "notes"
                table_name = "notes"

            note_id = UnicodeAttribute(hash_key=True)
            text = UnicodeAttribute()
    """,
    # 3. the function
    "functions/notes.py": '''
        """GET /api/notes."""
        import json

        from rtcc.store.notes import NoteRecord


        def handler(event, context):
            notes = [n.text for n in NoteRecord.batch_get(["welcome"])]
            return {
                "statusCode": 200,
                "headers": {"Content-Type": "application/json"},
                "body": json.dumps({"notes": notes}),
            }
    ''',
    # 6. the console view
    "web/public/assets/capabilities/notes.js": """
        import { registerView } from "../views.js";

        registerView({
          id: "notes",
          title: "Notes",
          description: "Officers' notes.",
          roles: ["officer"],
          capability: "notes",
          order: 50,
          render(container) {
            container.textContent = "No notes yet.";
          },
        });
    """,
    # 8. infra: exactly the call the function makes
    "infra/constructs/notes.py": """
        from constructs import Construct


        class NotesConstruct(Construct):
            def __init__(self, scope, construct_id, *, config, data, api):
                super().__init__(scope, construct_id)
                api.grant_table(api.functions["notes"], "notes", ("dynamodb:BatchGetItem",))
    """,
}

CHECKS = """
import json
import sys
import tempfile
from pathlib import Path

import requests

failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    if not ok:
        failures.append(what)


# In the synthesized template.
from infra.app import build_app
from infra.config import load_config

outdir = tempfile.mkdtemp()
app, cdk_stack = build_app(load_config(Path("infra/city.example.toml")), outdir=outdir)
app.synth()  # with cdk-nag: the new function passes the same checks
template = json.loads((Path(outdir) / f"{cdk_stack.stack_name}.template.json").read_text())
resources = template["Resources"].values()
check(any(r["Type"] == "AWS::DynamoDB::Table" and r["Properties"].get("TableName") == "rtcc-notes"
          for r in resources), "template: the notes table")
check(any(r["Type"] == "AWS::Lambda::Function" and r["Properties"].get("Handler") == "functions.notes.handler"
          for r in resources), "template: the notes function")
check(any(r["Type"] == "AWS::ApiGateway::Resource" and r["Properties"].get("PathPart") == "notes"
          for r in resources), "template: the /api/notes resource")
check("NotesListed" in json.dumps(template), "template: the dashboard counter")

# In the local stack: the route, the call under the function's deployed IAM, config.json.
from rtcc.local.stack import LocalStack

with LocalStack(http_port=0, aws_port=0, demo_password="Notes-Passw0rd!1", seed=False) as stack:
    token = stack.id_token("officer")
    signed = {"Authorization": f"Bearer {token}"}
    answer = requests.get(stack.base_url + "/api/notes", headers=signed, timeout=30)
    check(answer.status_code == 200 and answer.json() == {"notes": []},
          f"local: GET /api/notes ({answer.status_code})")
    calls = requests.get(stack.base_url + "/dev/aws-calls", timeout=10).json()["calls"]
    check(any(c["function"] == "notes" and c["action"] == "dynamodb:BatchGetItem" and c["allowed"]
              for c in calls), "local: the function's read, allowed by its deployed grant")
    config = requests.get(stack.base_url + "/config.json", timeout=10).json()
    check("notes" in config["capabilities"], "local: config.json lists the capability")

    # In the console's navigation.
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=sys.argv[1], args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"])
        page = browser.new_page()
        page.goto(stack.base_url + "/")
        page.fill("#login-username", stack.users["officer"])
        page.fill("#login-password", "Notes-Passw0rd!1")
        page.click("form button[type=submit]")
        page.wait_for_selector("#who-name")
        labels = [label.strip() for label in page.locator("#nav a").all_inner_texts()]
        check("Notes" in labels, f"console: navigation {labels}")
        page.click("#nav a:has-text('Notes')")
        page.wait_for_selector("text=No notes yet.")
        check(True, "console: the view renders")
        browser.close()

print("FAILURES: " + json.dumps(failures))
sys.exit(1 if failures else 0)
"""


def _copy_repo(into: Path) -> None:
    ignore = shutil.ignore_patterns("node_modules", "__pycache__", "*.egg-info", "cdk.out")
    for folder in ("layers", "functions", "infra", "web/public"):
        shutil.copytree(REPO / folder, into / folder, ignore=ignore)
    for name in ("pyproject.toml", "uv.lock", "README.md", "cdk.json"):
        shutil.copy2(REPO / name, into / name)
    (REPO / ".build").mkdir(exist_ok=True)
    (into / ".build").symlink_to(REPO / ".build")


def _follow_the_recipe(root: Path) -> None:
    for path, text in RECIPE.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text).lstrip())
    # ...and the one line in the list of capabilities.
    registry = root / "layers/rtcc/capabilities.py"
    source = registry.read_text()
    listed = "CAPABILITIES: tuple[Capability, ...] = (TIPS, ALERTS, LPR, CAMERAS, VIDEO)"
    assert listed in source, "the README's step 1 no longer matches"
    notes = "from rtcc.notes.capability import NOTES\n\n" + listed.replace("VIDEO)", "VIDEO, NOTES)")
    source = source.replace(listed, notes)
    registry.write_text(source)


def test_a_capability_added_by_its_declaration_is_deployed_served_and_shown(tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: the console half of this test needs it")
    root = tmp_path / "repo"
    _copy_repo(root)
    _follow_the_recipe(root)
    script = root / "checks.py"
    script.write_text(CHECKS)
    # Only what the copy needs: the caller's RTCC_* and AWS settings must not leak in.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RTCC_", "AWS_"))}
    env.update(
        PYTHONPATH=f"{root}{os.pathsep}{root / 'layers'}",
        JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION="1",
        POWERTOOLS_TRACE_DISABLED="1",
    )
    done = subprocess.run(
        [sys.executable, str(script), CHROMIUM],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    report = "\n".join(
        line for line in done.stdout.splitlines() if line.startswith(("ok", "FAIL", "FAILURES"))
    )
    assert done.returncode == 0, f"{report}\n--- stderr (tail) ---\n{done.stderr[-3000:]}"
    assert "FAILURES: []" in report, report
