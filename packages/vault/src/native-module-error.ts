/**
 * Turns a failure to load a native addon (better-sqlite3) into a {@link NativeModuleError} that says
 * which Node the addon was built for, which Node runs, and the command that fixes it.
 *
 * The classic case: an MCP client (Claude Desktop, an IDE) starts a stdio server with its own Node,
 * whose ABI (NODE_MODULE_VERSION) differs from the Node that ran `pnpm install`. Node's own message
 * only gives two ABI numbers; people know Node majors.
 */
import path from 'node:path';
import { NativeModuleError } from './errors.js';

/**
 * NODE_MODULE_VERSION → Node major (nodejs/node doc/abi_version_registry.json, Node releases only;
 * Electron uses other numbers and reads as "unknown").
 */
const NODE_MAJOR_BY_ABI: Readonly<Record<number, number>> = Object.freeze({
  57: 8,
  59: 9,
  64: 10,
  67: 11,
  72: 12,
  79: 13,
  83: 14,
  88: 15,
  93: 16,
  102: 17,
  108: 18,
  111: 19,
  115: 20,
  120: 21,
  127: 22,
  131: 23,
  137: 24,
  141: 25,
});

/** The Node major that NODE_MODULE_VERSION `abi` belongs to, or undefined when it is not a Node release's. */
export function nodeMajorOfAbi(abi: number): number | undefined {
  return NODE_MAJOR_BY_ABI[abi];
}

/**
 * A {@link NativeModuleError} when `cause` is a failure to load `moduleName`'s native addon;
 * undefined for any other error (the caller keeps its own handling).
 */
export function nativeModuleErrorOf(cause: unknown, moduleName: string): NativeModuleError | undefined {
  if (!(cause instanceof Error)) return undefined;
  const text = cause.message;
  const code = (cause as { code?: unknown }).code;
  const runtime = `Node ${process.versions.node} (NODE_MODULE_VERSION ${process.versions.modules})`;
  const addonPath = /['"]([^'"]+\.node)['"]/.exec(text)?.[1];
  const fix = rebuildCommand(moduleName, addonPath);
  const where = projectDirOf(addonPath);
  const runIt = `run \`${fix.command}\` ${where ? `in ${where} ` : ''}with the Node that starts this server (${process.execPath})${fix.alternative ? ` (with npm: \`${fix.alternative}\`)` : ''}`;

  const mismatch = /NODE_MODULE_VERSION (\d+)\.[\s\S]*?requires\s+NODE_MODULE_VERSION (\d+)/.exec(text);
  if (mismatch) {
    const builtForAbi = Number(mismatch[1]);
    const builtForNode = nodeMajorOfAbi(builtForAbi);
    const built =
      builtForNode !== undefined
        ? `Node ${builtForNode} (NODE_MODULE_VERSION ${builtForAbi})`
        : `another runtime (NODE_MODULE_VERSION ${builtForAbi}, not a Node release — Electron?)`;
    return new NativeModuleError({
      module: moduleName,
      reason: 'abi-mismatch',
      builtForAbi,
      ...(builtForNode !== undefined ? { builtForNode } : {}),
      fix: fix.command,
      message:
        `${moduleName} (the SQLite driver) was built for ${built}, but this process runs ${runtime}, so the SQLite store cannot open. ` +
        `To fix: ${runIt}${builtForNode !== undefined ? `, or start the server with Node ${builtForNode}` : ''}. ` +
        'An MCP client may start a stdio server with another Node than your shell: give it the full path of the node you installed with.',
      cause,
    });
  }
  if (/Could not locate the bindings file/i.test(text)) {
    return new NativeModuleError({
      module: moduleName,
      reason: 'not-built',
      fix: fix.command,
      message: `${moduleName} (the SQLite driver) has no compiled native module for ${runtime} (its install script did not run), so the SQLite store cannot open. To fix: ${runIt}; pnpm skips install scripts it was not allowed to run — allow it with \`pnpm approve-builds\`.`,
      cause,
    });
  }
  if (code === 'ERR_DLOPEN_FAILED' && (addonPath === undefined || addonPath.includes(moduleName))) {
    const first = text.split('\n')[0]!.slice(0, 300);
    return new NativeModuleError({
      module: moduleName,
      reason: 'load-failed',
      fix: fix.command,
      message: `${moduleName} (the SQLite driver) failed to load in ${runtime}: ${first}. To fix: ${runIt}.`,
      cause,
    });
  }
  return undefined;
}

/** `pnpm rebuild <m>` when the addon sits in a pnpm store, else `npm rebuild <m>`. */
function rebuildCommand(moduleName: string, addonPath: string | undefined): { command: string; alternative?: string } {
  const pnpm = `pnpm rebuild ${moduleName}`;
  const npm = `npm rebuild ${moduleName}`;
  if (addonPath?.includes(`${path.sep}.pnpm${path.sep}`)) return { command: pnpm };
  if (addonPath !== undefined) return { command: npm };
  return { command: pnpm, alternative: npm };
}

/** The directory holding the first `node_modules` of the addon's path (the project to rebuild in). */
function projectDirOf(addonPath: string | undefined): string | undefined {
  if (addonPath === undefined) return undefined;
  const i = addonPath.indexOf(`${path.sep}node_modules${path.sep}`);
  return i > 0 ? addonPath.slice(0, i) : undefined;
}
