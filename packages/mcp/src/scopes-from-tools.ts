/** `scopesFromTools(alter)`: the provider scopes for AlterAuthProvider, rolled up from the tools. */
import type { AlterMCP } from './alter-mcp.js';
import { InvalidArgumentError } from '@alter/vault';

/**
 * The `providers` option of `AlterAuthProvider`, computed from the tools registered on `alter`:
 * every provider a tool uses, with the union of the tools' scopes. Call it after
 * `alter.register(...)`.
 *
 * @throws InvalidArgumentError when no registered tool uses a provider (register the tools first).
 * @example
 * alter.register(server, [CalendarTools]);
 * const auth = new AlterAuthProvider(vault, { baseUrl, providers: scopesFromTools(alter) });
 */
export function scopesFromTools(alter: AlterMCP): Readonly<Record<string, readonly string[]>> {
  const scopes = alter.requiredScopes();
  if (Object.keys(scopes).length === 0) {
    throw new InvalidArgumentError(
      'alter',
      'no registered tool uses a provider yet. Call alter.register(server, [YourTools]) before scopesFromTools(alter), and give the tools a provider: @AlterTool("google", {...}).',
    );
  }
  return scopes;
}
