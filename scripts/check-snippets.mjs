#!/usr/bin/env node
// Type-checks every TypeScript snippet of the docs: each ```ts block of README.md and docs/**/*.md
// is written to a file and compiled with the repository's compiler settings against the workspace
// packages' sources. Blocks of one page share a folder, so a block that starts with a file-name
// comment (`// src/calendar-tools.ts`) can be imported by a later block (`./calendar-tools.js`).
// A block that is deliberately not a whole program says so on the line before its fence:
//   <!-- snippet: fragment -->
// Snippets may use, without declaring them, the objects most pages start from (SNIPPET_CONTEXT):
// `vault`, `server`, `alter` and `sandbox`; everything else they use they import or declare.
// Errors are reported at the page and line of the snippet:  docs/vault.md:120: error TS2304: …
//   node scripts/check-snippets.mjs            exit 1 when a snippet does not compile
//   node scripts/check-snippets.mjs --list     print the snippets found, compiled or skipped
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sourceEntryPoints } from './workspace.mjs';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
/** Inside a workspace package, so the snippets resolve zod and the MCP SDK as a user's app would. */
const outDir = path.join(root, 'tools/repo-checks/.snippets');
export const FRAGMENT_MARKER = '<!-- snippet: fragment -->';

/** The objects a snippet may use undeclared, as a page's prose sets them up. */
const SNIPPET_CONTEXT = `import type { AlterMCP } from '@alter/mcp';
import type { Sandbox } from '@alter/testing';
import type { AlterVault } from '@alter/vault';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
declare global {
  /** new AlterVault({ … }) */
  const vault: AlterVault;
  /** new McpServer({ … }) */
  const server: McpServer;
  /** new AlterMCP(vault, { … }) */
  const alter: AlterMCP;
  /** await startSandbox() */
  const sandbox: Sandbox;
}
`;

/** README.md and every page under docs/ (the generated API reference excluded). */
export function docPages() {
  const pages = ['README.md'];
  const walk = (dir) => {
    for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const rel = `${dir}/${entry.name}`;
      if (entry.isDirectory() && rel !== 'docs/api') walk(rel);
      else if (entry.isFile() && entry.name.endsWith('.md')) pages.push(rel);
    }
  };
  walk('docs');
  return pages.sort();
}

/** The ```ts blocks of one page: `{ page, line, code, fragment, file }` (`line`: first code line, 1-based). */
export function snippetsOf(page, text) {
  const lines = text.split('\n');
  const out = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(ts|typescript)\s*$/.exec(lines[i]);
    if (!open) continue;
    const indent = open[1];
    let end = i + 1;
    while (end < lines.length && !new RegExp(`^${indent}\`\`\`\\s*$`).test(lines[end])) end++;
    const code = lines
      .slice(i + 1, end)
      .map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l))
      .join('\n');
    let prev = i - 1;
    while (prev >= 0 && lines[prev].trim() === '') prev--;
    const fragment = prev >= 0 && lines[prev].trim() === FRAGMENT_MARKER;
    const named = /^\/\/ ((?:[\w.-]+\/)*[\w.-]+\.ts)\s*$/.exec(code.split('\n')[0] ?? '');
    out.push({ page, line: i + 2, code, fragment, file: named ? named[1] : `snippet-line-${i + 2}.ts` });
    i = end;
  }
  return out;
}

/** Compiles every snippet that is not a fragment. @returns `{ snippets, errors: string[] }`. */
export function checkSnippets() {
  const snippets = docPages().flatMap((page) => snippetsOf(page, readFileSync(path.join(root, page), 'utf8')));
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const origin = new Map(); // written file → snippet
  for (const s of snippets.filter((x) => !x.fragment)) {
    const file = path.join(outDir, s.page.replace(/\.md$/, '').replace(/\//g, '__'), s.file);
    if (origin.has(file)) throw new Error(`${s.page}:${s.line}: a second snippet named ${s.file} on this page; rename one`);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, `${s.code}\n`);
    origin.set(file, s);
  }
  writeFileSync(path.join(outDir, 'package.json'), '{ "type": "module" }\n');
  writeFileSync(path.join(outDir, 'snippet-context.d.ts'), SNIPPET_CONTEXT);
  const paths = Object.fromEntries(sourceEntryPoints(root).map(({ specifier, source }) => [specifier, [path.join(root, source)]]));
  const tsconfig = {
    extends: path.join(root, 'tsconfig.base.json'),
    compilerOptions: { noEmit: true, declaration: false, declarationMap: false, moduleDetection: 'force', allowJs: false, paths },
    include: ['**/*.ts'],
  };
  writeFileSync(path.join(outDir, 'tsconfig.json'), `${JSON.stringify(tsconfig, null, 2)}\n`);
  const tsc = spawnSync(
    process.execPath,
    [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(outDir, 'tsconfig.json'), '--pretty', 'false'],
    {
      cwd: outDir,
      encoding: 'utf8',
    },
  );
  const errors = [];
  for (const line of `${tsc.stdout}${tsc.stderr}`.split('\n')) {
    const m = /^(.+?)\((\d+),(\d+)\): (error .*)$/.exec(line.trim());
    if (!m) {
      if (line.trim() !== '') errors.push(line.trim());
      continue;
    }
    const s = origin.get(path.resolve(outDir, m[1]));
    // An error inside a workspace package (not in a snippet) is reported as it is.
    errors.push(s ? `${s.page}:${s.line + Number(m[2]) - 1}: ${m[4]}` : line.trim());
  }
  if (tsc.status !== 0 && errors.length === 0) errors.push(`tsc exited ${tsc.status} without a diagnostic`);
  return { snippets, errors };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { snippets, errors } = checkSnippets();
  if (process.argv.includes('--list')) {
    for (const s of snippets) console.log(`${s.fragment ? 'fragment' : 'compiled'}  ${s.page}:${s.line}  ${s.file}`);
  }
  for (const e of errors) console.error(e);
  const compiled = snippets.filter((s) => !s.fragment).length;
  console.log(`${compiled} snippets compiled, ${snippets.length - compiled} marked as fragments, ${errors.length} errors`);
  process.exit(errors.length === 0 ? 0 : 1);
}
