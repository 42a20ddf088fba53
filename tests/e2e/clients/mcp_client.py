"""Stint's MCP server with the official Python SDK (`mcp`), as an assistant's host would use it.

Usage:
  mcp_client.py http BASE TOKEN VIEWER_TOKEN PROJECT_ID FOREIGN_TASK_ID
  mcp_client.py stdio STINT_BIN TOKEN PROJECT_ID ENV_JSON [STINT_ARGS...]

`http`: Streamable HTTP at BASE/mcp with a personal access token. Lists every tool (following the
cursor), calls `tasks.create` and `tasks.list` (the SDK validates each structured result against the
tool's outputSchema; this script validates again with jsonschema), makes a viewer call a write
(an `isError` result), asks for another organization's task (`NOT_FOUND`), reads the task as a
resource, subscribes to it with `subscriptions/listen` and changes it through REST, which must
produce `notifications/resources/updated`, and renders a prompt.

`stdio`: launches `STINT_BIN mcp [STINT_ARGS...]` (e.g. `--url BASE` for the bridge) with
ENV_JSON as its environment, lists the tools, calls `tasks.list` and `tasks.create`.

Prints one JSON object with what it saw; the Rust test asserts on it.
"""

import asyncio
import json
import sys

import httpx2
import jsonschema
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client


def client_for(base, token):
    http = create_mcp_http_client(headers={"Authorization": f"Bearer {token}"})
    return Client(streamable_http_client(f"{base}/mcp", http_client=http))


async def all_tools(client):
    tools, cursor, pages = [], None, 0
    while True:
        page = await client.list_tools(cursor=cursor)
        pages += 1
        tools.extend(page.tools)
        cursor = page.next_cursor
        if not cursor:
            return tools, pages


def check(tool, result):
    """Validates a structured result against the tool's declared outputSchema."""
    jsonschema.validate(result.structured_content, tool.output_schema)
    return result.structured_content


def error_of(result):
    content = result.structured_content or {}
    return {
        "is_error": bool(result.is_error),
        "code": content.get("error", {}).get("code"),
        "text": result.content[0].text if result.content else None,
    }


async def http_mode(base, token, viewer_token, project, foreign_task):
    out = {}
    async with client_for(base, token) as client:
        out["protocol"] = client.protocol_version
        out["server"] = client.server_info.name if client.server_info else None
        tools, pages = await all_tools(client)
        by_name = {t.name: t for t in tools}
        out["tools"] = len(tools)
        out["tool_pages"] = pages
        out["names"] = sorted(by_name)
        out["annotations"] = {
            name: by_name[name].annotations.model_dump(by_alias=True, exclude_none=True)
            for name in ("tasks.list", "tasks.delete", "tasks.create")
        }

        created = await client.call_tool("tasks.create", {"project_id": project, "title": "From MCP"})
        assert not created.is_error, created
        task = check(by_name["tasks.create"], created)["data"]
        out["created"] = task["id"]
        listed = await client.call_tool("tasks.list", {"project_id": project, "per_page": 100})
        page = check(by_name["tasks.list"], listed)
        out["listed_ids"] = [t["id"] for t in page["data"]]
        out["pagination"] = page["pagination"]

        missing = await client.call_tool("tasks.get", {"id": foreign_task})
        out["foreign"] = error_of(missing)
        bad = await client.call_tool("tasks.create", {"project_id": project})
        out["invalid"] = error_of(bad)

        resource = await client.read_resource(f"stint://tasks/{task['id']}")
        out["resource"] = json.loads(resource.contents[0].text)
        out["resource_mime"] = resource.contents[0].mime_type
        templates = await client.list_resource_templates()
        out["templates"] = sorted(t.uri_template for t in templates.resource_templates)

        uri = f"stint://tasks/{task['id']}"
        async with client.listen(resource_subscriptions=[uri]) as sub:
            out["honored"] = list(sub.honored.resource_subscriptions or [])
            async with httpx2.AsyncClient() as rest:
                r = await rest.patch(
                    f"{base}/api/v1/tasks/{task['id']}",
                    json={"title": "Changed over REST"},
                    headers={"Authorization": f"Bearer {token}"},
                )
                out["rest_status"] = r.status_code
            async def first():
                async for event in sub:
                    return {"kind": type(event).__name__, "uri": getattr(event, "uri", None)}
            out["update"] = await asyncio.wait_for(first(), 20)

        prompts = await client.list_prompts()
        out["prompts"] = sorted(p.name for p in prompts.prompts)
        day = await client.get_prompt("my_day", {})
        out["my_day"] = day.messages[0].content.text

    async with client_for(base, viewer_token) as viewer:
        denied = await viewer.call_tool("tasks.create", {"project_id": project, "title": "Nope"})
        out["viewer"] = error_of(denied)
    print(json.dumps(out))


async def stdio_mode(binary, token, project, env_json, *stint_args):
    env = json.loads(env_json)
    env["STINT_TOKEN"] = token
    params = StdioServerParameters(command=binary, args=["mcp", *stint_args], env=env)
    out = {}
    async with Client(params) as client:
        out["protocol"] = client.protocol_version
        tools, _ = await all_tools(client)
        out["tools"] = len(tools)
        by_name = {t.name: t for t in tools}
        listed = await client.call_tool("tasks.list", {"project_id": project})
        assert not listed.is_error, listed
        out["total"] = check(by_name["tasks.list"], listed)["pagination"]["total"]
        created = await client.call_tool("tasks.create", {"project_id": project, "title": "Over stdio"})
        assert not created.is_error, created
        out["created"] = created.structured_content["data"]["id"]
    print(json.dumps(out))


if __name__ == "__main__":
    mode, *args = sys.argv[1:]
    if mode == "http":
        asyncio.run(http_mode(*args))
    else:
        asyncio.run(stdio_mode(*args))
