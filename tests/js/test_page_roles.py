"""The header's table of pages (api/static/header.js) offers each page to exactly the
roles the server lets open it, asked of a running server with one user per role, and it
lists every page there is (each ``api/static/<page>.html`` but the login form): a link
the server would refuse, or a page a role may open but is not offered, fails here."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.support.server import running_server

STATIC = Path(__file__).parent.parent.parent / "api" / "static"
NOT_IN_HEADER = {"login"}


def header_pages() -> dict[str, set[str]]:
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI") == "true":
            pytest.fail("node is missing; the page tests need Node 20 (apt-get install nodejs)")
        pytest.skip("node is not installed (the page tests need Node 20)")
    script = (f"import({json.dumps((STATIC / 'header.js').as_uri())}).then((m) => "
              "console.log(JSON.stringify(m.PAGES.map((p) => [p.path, p.roles]))))")
    out = subprocess.run([node, "--input-type=module", "-e", script], capture_output=True,
                         text=True, check=True, timeout=30).stdout
    return {path: set(roles) for path, roles in json.loads(out)}


def test_the_header_offers_each_page_to_the_roles_the_server_lets_open_it(
    sqlite_store: str
) -> None:
    offered = header_pages()
    pages = sorted(f"/{p.stem}" for p in STATIC.glob("*.html") if p.stem not in NOT_IN_HEADER)
    assert sorted(offered) == pages
    admitted: dict[str, set[str]] = {path: set() for path in pages}
    with running_server(sqlite_store) as server:
        for role, token in server.tokens.items():
            for path in pages:
                status = httpx.get(server.url + path, headers={"Authorization": f"Bearer {token}"},
                                   timeout=30, follow_redirects=False).status_code
                assert status in (200, 403), (role, path, status)
                if status == 200:
                    admitted[path].add(role)
    assert offered == admitted
