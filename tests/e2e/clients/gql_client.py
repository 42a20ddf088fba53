"""Stint's GraphQL with the Python `gql` client, as an API user would run it.

Usage: gql_client.py BASE_URL TOKEN PROJECT_ID

Over HTTP (aiohttp transport, the schema fetched by introspection so every query is validated
client-side too): the TRCR `tasks` query with relations, then a `tasks_create` mutation. Over
WebSocket (graphql-transport-ws, the token in connection_init): an `entityChanged` subscription
that must see a task created meanwhile through the HTTP transport. Prints one JSON object with
what it saw; the Rust test asserts on it.
"""

import asyncio
import json
import sys

from gql import Client, gql
from gql.transport.aiohttp import AIOHTTPTransport
from gql.transport.exceptions import TransportQueryError
from gql.transport.websockets import WebsocketsTransport

TASKS = gql(
    """
    query($p: String!) {
      tasks(projectId: $p, perPage: 10) {
        data { id title project { id name } assignees { name } }
        pagination { total page per_page total_pages }
      }
    }
    """
)
CREATE = gql(
    """
    mutation($p: String!, $title: String!) {
      tasks_create(projectId: $p, title: $title) { id title }
    }
    """
)
EVENTS = gql(
    """
    subscription {
      entityChanged(types: ["task"]) { event_id entity_type entity_id action entity }
    }
    """
)


def http(base, token):
    return AIOHTTPTransport(url=f"{base}/graphql", headers={"Authorization": f"Bearer {token}"})


async def main(base, token, project):
    out = {}
    async with Client(transport=http(base, token), fetch_schema_from_transport=True) as session:
        result = await session.execute(TASKS, variable_values={"p": project})
        out["tasks"] = result["tasks"]
        created = await session.execute(CREATE, variable_values={"p": project, "title": "From gql"})
        out["created"] = created["tasks_create"]
        try:
            await session.execute(gql('{ task(id: "tsk_missing") { id } }'))
        except TransportQueryError as e:
            out["missing"] = e.errors[0]["extensions"]["code"]

    ws = WebsocketsTransport(
        url=base.replace("http", "ws", 1) + "/graphql",
        init_payload={"Authorization": f"Bearer {token}"},
        subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
    )
    async with Client(transport=ws) as subscriber:

        async def change():
            await asyncio.sleep(0.5)
            async with Client(transport=http(base, token)) as session:
                made = await session.execute(CREATE, variable_values={"p": project, "title": "Live"})
                out["live"] = made["tasks_create"]["id"]

        task = asyncio.create_task(change())
        async for event in subscriber.subscribe(EVENTS):
            # Changes committed just before subscribing may still arrive live: wait for ours.
            if event["entityChanged"]["entity"]["title"] == "Live":
                out["event"] = event["entityChanged"]
                break
        await task
    print(json.dumps(out))


if __name__ == "__main__":
    asyncio.run(asyncio.wait_for(main(*sys.argv[1:4]), timeout=30))
