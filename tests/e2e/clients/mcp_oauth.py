"""OAuth end to end with the official MCP Python SDK's OAuth client (`OAuthClientProvider`).

Usage: mcp_oauth.py BASE EMAIL PASSWORD

The SDK starts without a token: `/mcp` answers 401, the SDK reads the protected-resource metadata,
discovers Stint's authorization server, registers a client dynamically and opens the authorization
URL — which this script, playing the user, follows over plain HTTP: it signs in on the login page,
picks the first organization on the consent page and approves. The SDK exchanges the code (PKCE),
calls a tool, and after the access token expires (the server runs with a 2-second lifetime)
refreshes it and calls again. Prints one JSON object; the Rust test asserts on it.
"""

import asyncio
import json
import re
import sys
from html import unescape
from urllib.parse import parse_qs, urljoin, urlparse

import httpx2
from mcp import Client
from mcp.client.auth import OAuthClientProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client
from mcp.shared.auth import AuthorizationCodeResult, OAuthClientMetadata

REDIRECT = "http://127.0.0.1:9/callback"


class Memory:
    def __init__(self):
        self.tokens, self.client, self.history = None, None, []

    async def get_tokens(self):
        return self.tokens

    async def set_tokens(self, tokens):
        self.tokens = tokens
        self.history.append(tokens)

    async def get_client_info(self):
        return self.client

    async def set_client_info(self, info):
        self.client = info


def fields(html):
    """The form's named inputs and the options of its select."""
    inputs = {
        unescape(name): unescape(value)
        for name, value in re.findall(r'<input type="hidden" name="([^"]*)" value="([^"]*)">', html)
    }
    options = [unescape(v) for v in re.findall(r'<option value="([^"]*)">', html)]
    return inputs, options


async def main(base, email, password):
    out = {"pages": []}
    storage = Memory()
    result = {}

    async def user_approves(url):
        """What the user does in the browser: sign in, choose the organization, approve."""
        async with httpx2.AsyncClient(follow_redirects=False) as browser:
            login = await browser.get(url)
            out["pages"].append(login.status_code)
            inputs, _ = fields(login.text)
            action = urljoin(url, "/oauth/authorize")
            consent = await browser.post(action, data={**inputs, "email": email, "password": password})
            out["pages"].append(consent.status_code)
            inputs, orgs = fields(consent.text)
            out["orgs"] = orgs
            done = await browser.post(action, data={**inputs, "step": "approve", "org_id": orgs[0]})
            out["pages"].append(done.status_code)
            location = done.headers["location"]
            query = parse_qs(urlparse(location).query)
            result["code"] = query["code"][0]
            result["state"] = query.get("state", [None])[0]

    async def callback():
        return AuthorizationCodeResult(code=result["code"], state=result["state"])

    provider = OAuthClientProvider(
        server_url=f"{base}/mcp",
        client_metadata=OAuthClientMetadata(
            client_name="E2E assistant",
            redirect_uris=[REDIRECT],
            grant_types=["authorization_code", "refresh_token"],
            response_types=["code"],
            token_endpoint_auth_method="none",
            scope="mcp",
        ),
        storage=storage,
        redirect_handler=user_approves,
        callback_handler=callback,
    )
    http = create_mcp_http_client(auth=provider)
    async with Client(streamable_http_client(f"{base}/mcp", http_client=http)) as client:
        first = await client.call_tool("organizations.list", {})
        out["first"] = [o["id"] for o in first.structured_content["data"]]
        out["client_id"] = storage.client.client_id if storage.client else None
        await asyncio.sleep(3)  # the access token expires; the SDK refreshes it
        second = await client.call_tool("projects.list", {})
        out["second_error"] = bool(second.is_error)
    out["token_sets"] = len(storage.history)
    out["access_tokens"] = [t.access_token for t in storage.history]
    out["refresh_tokens"] = [t.refresh_token for t in storage.history]
    print(json.dumps(out))


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:]))
