/**
 * Facts about an installed SDK package, and the registration-time check of an SDK internal.
 * Adapters reach a few SDK members that are not public API; a rename in a later SDK release must
 * fail at `register()` with a message naming the package, its version and the supported range —
 * reading such members with optional chaining would instead silently drop behaviour.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { SdkUnsupportedError } from '../errors.js';
import type { SdkPackageInfo } from './sdk-seam.js';

const require = createRequire(import.meta.url);

/**
 * Facts about `name`; its version is read from its package.json on first use (only error messages
 * and diagnostics need it: resolving the package and walking up to its package.json cost a
 * measurable part of every server's start), found by walking up from the resolved `entry` (a
 * specifier of the package that resolves: the SDK packages do not export `./package.json`, and
 * v1 has no root entry file). `unknown` when it cannot be resolved from here — the error message
 * then still names the package and the range.
 */
export function sdkPackageInfo(name: string, entry: string, supportedRange: string): SdkPackageInfo {
  let version: string | undefined;
  return Object.freeze({
    name,
    get version(): string {
      version ??= readVersion(name, entry);
      return version;
    },
    supportedRange,
  });
}

function readVersion(name: string, entry: string): string {
  let dir: string;
  try {
    dir = path.dirname(require.resolve(entry));
  } catch {
    return 'unknown';
  }
  // Bounded: a resolved entry lives a few directories below its package root.
  for (let i = 0; i < 8; i++) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === name && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // No package.json at this level (or an unrelated one): keep walking up.
    }
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return 'unknown';
}

/** The shape an SDK member must have. */
export type MemberKind = 'function' | 'Map' | 'object';

/**
 * Returns `target[member]` after checking it has the expected kind.
 * @param owner the SDK class the member belongs to, for the message (`Server`, `McpServer`).
 * @throws SdkUnsupportedError naming `owner.member`, the package, its version and the supported range.
 */
export function sdkInternal<T>(sdk: SdkPackageInfo, target: object, owner: string, member: string, kind: MemberKind): T {
  const value: unknown = (target as Record<string, unknown>)[member];
  const ok =
    kind === 'function' ? typeof value === 'function' : kind === 'Map' ? value instanceof Map : value !== null && typeof value === 'object';
  if (!ok) {
    throw new SdkUnsupportedError({
      sdkPackage: sdk.name,
      sdkVersion: sdk.version,
      supportedRange: sdk.supportedRange,
      missing: `${owner}.${member} (${kind === 'function' ? 'a method' : kind === 'Map' ? 'a Map' : 'an object'})`,
    });
  }
  return value as T;
}
