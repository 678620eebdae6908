"""Demo tips for `rtcc dev`, sent through the same doors a tipster uses: signed texts to
the tip line (via the phone simulator's sender) and one web tip through the public API.
So the inbox has something in it, and the demo exercises the real intake path.

Only the CLI calls this (tests start their stacks without it, so their counts stay their own).
"""

from __future__ import annotations

import requests

from rtcc.local.phone import Outgoing, text_tip_line

#: Reserved fictional numbers (555-01xx) standing in for residents.
_TEXTS = (
    Outgoing("+15550100201", "Silver sedan circling the school on Elm St every night around 10pm.", False),
    Outgoing("+15550100201", "It just came back, plate starts with 7K.", False),
    Outgoing("+15550100202", "Heard what sounded like a gun shot behind the laundromat on 3rd.", False),
    Outgoing("+15550100203", "Photo of the person who broke the bus shelter glass.", True),
)


def seed_demo_tips(base_url: str) -> list[str]:
    """Send the demo tips; returns the tip line's answers (first line of each)."""
    answers = [text_tip_line(message)["reply"].split("\n")[0] for message in _TEXTS]
    web = requests.post(
        f"{base_url}/api/public/tips",
        json={
            "text": "Abandoned car with broken windows in the Maple Park lot for two weeks.",
            "attachments": [],
        },
        timeout=20,
    )
    web.raise_for_status()
    answers.append(f"web tip {web.json()['code']}")
    return answers
