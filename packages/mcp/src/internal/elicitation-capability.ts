/**
 * Reading a client's `elicitation` capability (MCP 2025-11-25): `{ form: {} }` and `{ url: {} }`
 * name the modes; a bare `elicitation: {}` — what clients declared before URL mode existed — means
 * form mode only.
 */

/** True when `capabilities` (the client's, from `initialize`) declare form-mode elicitation. */
export function declaresFormElicitation(capabilities: unknown): boolean {
  const elicitation = (capabilities as { elicitation?: unknown } | null | undefined)?.elicitation;
  if (typeof elicitation !== 'object' || elicitation === null) return false;
  const modes = elicitation as { form?: unknown; url?: unknown };
  if (modes.form !== undefined) return typeof modes.form === 'object' && modes.form !== null;
  return modes.url === undefined;
}
