"""The README's roles × actions table is the code's table."""

import re
from pathlib import Path

from cdm.accounts.models import Role
from cdm.accounts.permissions import DEVICE_ACTIONS, MODEL_ACTIONS, ROLE_ACTIONS, Action

README = Path(__file__).resolve().parent.parent / "README.md"
ROLES = [Role.COORDINATOR, Role.MANAGER, Role.AGENT, Role.COUNSELLOR, Role.OBSERVER]


def test_the_readme_roles_table_is_the_codes():
    text = README.read_text()
    table = re.search(r"<!-- roles-table.*?-->\n(.*?)<!-- /roles-table -->", text, re.S).group(1)
    written = {}
    for line in table.splitlines()[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        written[cells[0].strip("`")] = [c == "✓" for c in cells[1:]]
    expected = {
        action.value: [action in ROLE_ACTIONS[role] for role in ROLES] + [action in DEVICE_ACTIONS]
        for action in Action
        if action not in MODEL_ACTIONS or action == Action.VIEW
    }
    assert written == expected
