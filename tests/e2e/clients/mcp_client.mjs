// Stint's MCP server with the official TypeScript SDK (@modelcontextprotocol/sdk), as a Node.js
// assistant host would use it.
//
// Usage: node mcp_client.mjs BASE TOKEN PROJECT_ID
//
// Connects over Streamable HTTP with a personal access token, lists every tool (following the
// cursor) and calls `tasks.create`. Prints one JSON object with what it saw.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const [base, token, project] = process.argv.slice(2);
const transport = new StreamableHTTPClientTransport(new URL(`${base}/mcp`), {
  requestInit: { headers: { Authorization: `Bearer ${token}` } },
});
const client = new Client({ name: "stint-e2e", version: "1.0.0" });
await client.connect(transport);

const tools = [];
let cursor;
do {
  const page = await client.listTools(cursor ? { cursor } : {});
  tools.push(...page.tools);
  cursor = page.nextCursor;
} while (cursor);

const created = await client.callTool({
  name: "tasks.create",
  arguments: { project_id: project, title: "From TypeScript" },
});
console.log(
  JSON.stringify({
    protocol: transport.protocolVersion ?? null,
    server: client.getServerVersion()?.name ?? null,
    tools: tools.length,
    is_error: created.isError ?? false,
    created: created.structuredContent?.data?.id ?? null,
  }),
);
await client.close();
