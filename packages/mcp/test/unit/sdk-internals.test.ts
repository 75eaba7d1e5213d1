/**
 * The SDK seam checks, at registration, every SDK internal its adapter relies on, and throws
 * `SdkUnsupportedError` naming the SDK package, its installed version and the supported range —
 * instead of skipping the behaviour silently (what optional chaining on a renamed member did).
 * Each case passes a real SDK server whose class lacks one member, as a renaming release would.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { Server as ServerV1 } from '@modelcontextprotocol/sdk/server/index.js';
import { McpServer as McpServerV1 } from '@modelcontextprotocol/sdk/server/mcp.js';
import { McpServer as McpServerV2, Server as ServerV2 } from '@modelcontextprotocol/server';
import { AlterMCP, isAlterMcpError, type McpServerLike, SdkUnsupportedError, ServeError, serveHttp, serveStdio } from '@alter/mcp';
import type { AlterVault } from '@alter/vault';
import { UtilityTools } from '../fixtures/example.tools.js';

const mcpDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const installedVersion = (pkg: string): string =>
  (JSON.parse(readFileSync(path.join(mcpDir, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;

/** register() never touches the vault beyond reading providerIds. */
const vault = { request: async () => undefined, providerIds: [] } as unknown as AlterVault;

/** `instance`, re-parented onto a subclass prototype that no longer has `member` as a method (the SDK renamed it). */
function withoutMethod<T extends object>(instance: T, member: string): T {
  const renamed: object = Object.create(Object.getPrototypeOf(instance) as object);
  Object.defineProperty(renamed, member, { value: undefined });
  return Object.setPrototypeOf(instance, renamed) as T;
}

/** An instance whose class no longer sets the field `member` (as if renamed to `<member>Renamed`). */
function withoutField<T extends object>(instance: T, member: string): T {
  Reflect.set(instance, `${member}Renamed`, Reflect.get(instance, member));
  Reflect.deleteProperty(instance, member);
  return instance;
}

const info = { name: 'renamed', version: '1.0.0' };

interface Case {
  readonly sdkPackage: string;
  readonly range: string;
  readonly missing: string;
  readonly make: () => McpServerLike;
}

const cases: readonly Case[] = [
  {
    sdkPackage: '@modelcontextprotocol/sdk',
    range: '^1.32.2',
    missing: 'McpServer.setToolRequestHandlers',
    make: () => withoutMethod(new McpServerV1(info), 'setToolRequestHandlers'),
  },
  {
    sdkPackage: '@modelcontextprotocol/sdk',
    range: '^1.32.2',
    missing: 'McpServer._registeredTools',
    make: () => withoutField(new McpServerV1(info), '_registeredTools'),
  },
  {
    sdkPackage: '@modelcontextprotocol/sdk',
    range: '^1.32.2',
    missing: 'Server._requestHandlers',
    make: () => withoutField(new ServerV1(info), '_requestHandlers'),
  },
  {
    sdkPackage: '@modelcontextprotocol/sdk',
    range: '^1.32.2',
    missing: 'Server._capabilities',
    make: () => withoutField(new ServerV1(info), '_capabilities'),
  },
  {
    sdkPackage: '@modelcontextprotocol/sdk',
    range: '^1.32.2',
    missing: 'Server.isMessageIgnored',
    make: () => withoutField(new ServerV1(info), 'isMessageIgnored'),
  },
  {
    sdkPackage: '@modelcontextprotocol/server',
    range: '^2.4.0',
    missing: 'McpServer.setToolRequestHandlers',
    make: () => withoutMethod(new McpServerV2(info), 'setToolRequestHandlers'),
  },
  {
    sdkPackage: '@modelcontextprotocol/server',
    range: '^2.4.0',
    missing: 'McpServer._registeredTools',
    make: () => withoutField(new McpServerV2(info), '_registeredTools'),
  },
  {
    sdkPackage: '@modelcontextprotocol/server',
    range: '^2.4.0',
    missing: 'Server._getRequestHandler',
    make: () => withoutMethod(new ServerV2(info), '_getRequestHandler'),
  },
  {
    sdkPackage: '@modelcontextprotocol/server',
    range: '^2.4.0',
    missing: 'Protocol._requestHandlers',
    make: () => withoutField(new ServerV2(info), '_requestHandlers'),
  },
];

describe('SDK internals are checked at registration', () => {
  it.each(cases)(
    '$sdkPackage without $missing: register() throws SdkUnsupportedError naming package, version and range',
    ({ sdkPackage, range, missing, make }) => {
      const alter = new AlterMCP(vault, { defaultUser: 'x' });
      let err: unknown;
      try {
        alter.register(make(), [UtilityTools]);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(SdkUnsupportedError);
      expect(isAlterMcpError(err)).toBe(true);
      const e = err as SdkUnsupportedError;
      const version = installedVersion(sdkPackage);
      expect(e).toMatchObject({
        code: 'ALTER_MCP_SDK_UNSUPPORTED',
        name: 'SdkUnsupportedError',
        sdkPackage,
        sdkVersion: version,
        supportedRange: range,
      });
      expect(e.missing).toContain(missing);
      expect(e.message).toContain(`${sdkPackage}@${version} has no ${missing}`);
      expect(e.message).toContain(`supports ${sdkPackage} ${range}`);
    },
  );

  it('refuses an object that is no server of either generation, naming both SDK packages', () => {
    const alter = new AlterMCP(vault, { defaultUser: 'x' });
    for (const notAServer of [{}, { server: {} }, { setRequestHandler: 'no' }]) {
      expect(() => alter.register(notAServer as unknown as McpServerLike, [UtilityTools])).toThrow(ServeError);
      expect(() => alter.register(notAServer as unknown as McpServerLike, [UtilityTools])).toThrow(
        /@modelcontextprotocol\/sdk 1\.x or @modelcontextprotocol\/server 2\.x/,
      );
    }
  });

  it('registers on the unmodified servers of both generations (the checks pass on the tested versions)', () => {
    const alter = new AlterMCP(vault, { defaultUser: 'x' });
    for (const server of [new McpServerV1(info), new ServerV1(info), new McpServerV2(info), new ServerV2(info)]) {
      expect(alter.register(server, [UtilityTools])).toContain('echo');
    }
  });

  it.each([
    ['serveHttp', (server: McpServerLike) => serveHttp(server)],
    ['serveStdio', (server: McpServerLike) => serveStdio(server, { handleSignals: false, exitOnStartupFailure: false })],
  ] as const)('%s(one v2 server) checks the internals of its per-session/per-request fork before serving', async (_entry, serve) => {
    const server = new McpServerV2(info);
    new AlterMCP(vault, { defaultUser: 'x' }).register(server, [UtilityTools]);
    withoutField(server, '_registeredPrompts');
    const err = await serve(server).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SdkUnsupportedError);
    expect((err as SdkUnsupportedError).missing).toContain('McpServer._registeredPrompts');
    expect((err as SdkUnsupportedError).sdkPackage).toBe('@modelcontextprotocol/server');
  });
});
