/**
 * The verified caller identity the transport attached to a tool call (the MCP SDK's `AuthInfo`,
 * structurally, so no SDK type reaches a public declaration): what `AlterMCPOptions.userFromAuth`
 * receives. Public API (exported from `@alter/mcp`).
 */
export interface CallerAuthInfo {
  readonly clientId: string;
  readonly scopes: readonly string[];
  readonly expiresAt?: number;
  readonly resource?: URL;
  readonly extra?: Readonly<Record<string, unknown>>;
}
