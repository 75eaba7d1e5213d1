/**
 * The one seam between @alter/mcp and the MCP TypeScript SDK. The registry (`AlterMCP.register`)
 * and the serving code talk only to {@link SdkAdapter}; one adapter per SDK generation implements
 * it (`sdk-v1-adapter.ts` for `@modelcontextprotocol/sdk` 1.x, `sdk-v2-adapter.ts` for
 * `@modelcontextprotocol/server` 2.x). No other file imports an SDK's server classes.
 *
 * The SDK types below are type-only imports: they vanish from the emitted JavaScript, so this file
 * loads neither generation.
 */
import type { ToolTable } from '../internal/call-env.js';

/**
 * A server `AlterMCP.register`, `serveStdio` and `serveHttp` accept: `McpServer` or the low-level
 * `Server` of either SDK generation — `@modelcontextprotocol/sdk` 1.x or `@modelcontextprotocol/server` 2.x.
 *
 * Declared by shape, not as a union of the SDKs' classes: an app installs one generation, and a
 * published declaration that imports either would not compile without it (TS2307 with
 * `skipLibCheck: false`; `import type` of a missing module is an error in a .d.ts too). The shapes
 * below are public members both generations have and other objects lack — an SDK `Client` (it has
 * `getServerCapabilities`, not `getClientCapabilities`), a transport, or any `{ connect, close }`
 * does not fit. Which generation a server really is, is checked at run time (`sdkAdapterFor`), with
 * an error that names the supported classes.
 */
export type McpServerLike = McpHighLevelServerLike | McpLowLevelServerLike;

/** The low-level `Server` of either SDK generation, by the public members both have. */
export interface McpLowLevelServerLike {
  // Method syntax compares parameters both ways, so each SDK's `connect(transport: Transport)` fits,
  // and a holder of an McpServerLike can still pass its transport.
  connect(transport: object): Promise<void>;
  close(): Promise<void>;
  /** What the connected client declared (server side only: a `Client` has `getServerCapabilities`). */
  getClientCapabilities(): object | undefined;
  getClientVersion(): object | undefined;
  sendToolListChanged(): Promise<void>;
}

/** The high-level `McpServer` of either SDK generation: it wraps a low-level `Server`. */
export interface McpHighLevelServerLike {
  readonly server: McpLowLevelServerLike;
  connect(transport: object): Promise<void>;
  close(): Promise<void>;
  isConnected(): boolean;
}

/** What a server says about itself in `initialize` / `server/discover`. */
export interface ServerIdentity {
  readonly info: { readonly name: string; readonly version: string; readonly [key: string]: unknown };
  readonly instructions?: string;
}

/** The SDK generations @alter/mcp has an adapter for. */
export type SdkGeneration = 'v1' | 'v2';

/** The SDK package an adapter drives, as installed. */
export interface SdkPackageInfo {
  /** e.g. `@modelcontextprotocol/sdk`. */
  readonly name: string;
  /** The installed version, read from the package's package.json (`unknown` if unreadable). */
  readonly version: string;
  /** The range @alter/mcp is tested with (its peer dependency range). */
  readonly supportedRange: string;
}

/**
 * What @alter/mcp needs from an SDK generation. Every method that relies on an SDK internal
 * checks, when it runs, that the member exists with the right type, and throws
 * `SdkUnsupportedError` naming the package, version and supported range otherwise.
 */
export interface SdkAdapter {
  readonly generation: SdkGeneration;
  readonly sdk: SdkPackageInfo;
  /** True when `server` is an `McpServer` or `Server` of this generation (by class or, for a second copy of the SDK, by shape). */
  accepts(server: object): boolean;
  /** The low-level `Server` behind `server` (itself for a `Server`). */
  lowLevel(server: McpServerLike): object;
  /** Names of tools registered on `server` with the SDK's own `registerTool` (for duplicate checks). */
  sdkToolNames(server: McpServerLike): readonly string[];
  /**
   * Installs Alter's `tools/list` and `tools/call` handlers on `server` (once per server, beside
   * the SDK's own tools) and adds `table` to the tables they dispatch to.
   * @throws SdkUnsupportedError when an SDK internal it needs is missing.
   * @throws ServeError when the server is already connected.
   */
  installToolTable(server: McpServerLike, table: ToolTable): void;
  /**
   * For `serveHttp(server)` with one server: checks that `template` can be forked and returns a
   * function building a fresh, unconnected server per HTTP session that answers like `template`
   * (same info, capabilities, handlers; its own client state). Absent: pass a factory instead.
   * @throws SdkUnsupportedError when an SDK internal it needs is missing.
   */
  sessionForker?(template: McpServerLike): () => McpServerLike;
  /** The Alter tool tables installed on `server` by `AlterMCP.register` (empty when none). */
  toolTables(server: McpServerLike): readonly ToolTable[];
  /**
   * The server's name/version (and instructions), for a server of the other generation built to
   * answer for it (the 2026-07-28 bridge of a v1 server, see modern-era.ts).
   * @throws SdkUnsupportedError when an SDK internal it needs is missing.
   */
  identity(server: McpServerLike): ServerIdentity;
  /** Connects `server` to the process's stdin/stdout with this generation's stdio transport. */
  connectStdio(server: McpServerLike): Promise<void>;
}
