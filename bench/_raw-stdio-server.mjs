#!/usr/bin/env node
// The baseline of bench/cold-start.mjs: a stdio MCP server written with the raw SDK only — the
// same five tool names as the GitHub pack, each with a small zod input schema — and nothing else
// (no vault, no store, no Connect listener). Started as a child process by the benchmark.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
// The SDK and zod copies @alter/mcp itself uses (pnpm links them there), or those of an installed
// app (ALTER_BENCH_DEPS: its node_modules; see BENCH_COLD_START_INSTALLED in cold-start.mjs).
const deps = process.env.ALTER_BENCH_DEPS ?? path.join(root, 'packages/mcp/node_modules');
const load = (p) => import(pathToFileURL(path.join(deps, p)).href);
const { McpServer } = await load('@modelcontextprotocol/sdk/dist/esm/server/mcp.js');
const { StdioServerTransport } = await load('@modelcontextprotocol/sdk/dist/esm/server/stdio.js');
const { z } = await load('zod/index.js');

const server = new McpServer({ name: 'raw-sdk', version: '1.0.0' });
for (const name of ['list_repos', 'list_issues', 'create_issue', 'create_issue_comment', 'get_pull_request']) {
  server.registerTool(
    name,
    {
      description: `${name} (baseline)`,
      inputSchema: { owner: z.string().optional(), repo: z.string().optional(), page: z.number().int().min(1).optional() },
    },
    async () => ({ content: [{ type: 'text', text: 'ok' }] }),
  );
}
await server.connect(new StdioServerTransport());
