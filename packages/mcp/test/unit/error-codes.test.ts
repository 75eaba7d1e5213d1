/**
 * Exact error-code sets (Trust I, finding 7): `isAlterError` recognizes only @alter/vault's codes,
 * `isAlterMcpError` only @alter/mcp's (not a prefix), and `ToolError` is an @alter/mcp error with
 * a stable code.
 */
import { describe, expect, it } from '@jest/globals';
import { AlterMcpError, isAlterMcpError, NoUserError, ServeError, ToolError, ToolInputError } from '@alter/mcp';
import { AlterError, HostNotAllowedError, isAlterError, ResponseTooLargeError, VaultConfigError } from '@alter/vault';

/** An error as a duplicate copy of a package (or another package) would throw it: only `code` matches. */
function foreign(code: string): Error {
  return Object.assign(new Error(`a ${code} error`), { code });
}

describe('isAlterError', () => {
  it('accepts the vault errors, also from a duplicate copy of the package', () => {
    expect(isAlterError(new VaultConfigError('x'))).toBe(true);
    expect(isAlterError(new ResponseTooLargeError({ provider: 'p', limitBytes: 1, status: 200 }))).toBe(true);
    expect(isAlterError(foreign('ALTER_HOST_NOT_ALLOWED'))).toBe(true);
    expect(isAlterError(foreign('ALTER_HEADER_NOT_ALLOWED'))).toBe(true);
  });

  it('rejects @alter/mcp errors and CLI codes', () => {
    expect(isAlterError(new NoUserError('t'))).toBe(false);
    expect(isAlterError(new ToolInputError('t', []))).toBe(false);
    expect(isAlterError(new ToolError('no such channel'))).toBe(false);
    for (const code of [
      'ALTER_MCP_SERVE',
      'ALTER_MCP_TOOL_ERROR',
      'ALTER_CLI_USAGE',
      'ALTER_CLI_NOT_FOUND',
      'ALTER_UNEXPECTED',
      'ALTER_',
      'ALTER_TOKEN',
    ]) {
      expect([code, isAlterError(foreign(code))]).toEqual([code, false]);
    }
  });

  it('rejects values that are not Errors, even with a vault code', () => {
    expect(isAlterError({ code: 'ALTER_CONFIG' })).toBe(false);
    expect(isAlterError('ALTER_CONFIG')).toBe(false);
    expect(isAlterError(foreign('toString'))).toBe(false);
  });
});

describe('isAlterMcpError', () => {
  it('accepts the mcp errors, also from a duplicate copy', () => {
    expect(isAlterMcpError(new ServeError('x'))).toBe(true);
    expect(isAlterMcpError(new ToolError('x'))).toBe(true);
    expect(isAlterMcpError(foreign('ALTER_MCP_NO_USER'))).toBe(true);
    expect(isAlterMcpError(foreign('ALTER_MCP_TOOL_ERROR'))).toBe(true);
  });

  it('rejects vault errors, CLI codes and unknown ALTER_MCP_ codes', () => {
    expect(isAlterMcpError(new HostNotAllowedError({ provider: 'p', host: 'h' }))).toBe(false);
    for (const code of ['ALTER_CONFIG', 'ALTER_CLI_USAGE', 'ALTER_MCP_', 'ALTER_MCP_SOMETHING_ELSE']) {
      expect([code, isAlterMcpError(foreign(code))]).toEqual([code, false]);
    }
  });
});

describe('ToolError', () => {
  it('is an AlterMcpError with a stable code, name and cause', () => {
    const cause = new Error('underlying');
    const err = new ToolError('No channel named #nowhere.', { cause });
    expect(err).toBeInstanceOf(AlterMcpError);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(AlterError);
    expect(err.code).toBe('ALTER_MCP_TOOL_ERROR');
    expect(err.name).toBe('ToolError');
    expect(err.cause).toBe(cause);
    expect(err.message).toBe('No channel named #nowhere.');
    expect(err.toJSON()).toEqual({ name: 'ToolError', code: 'ALTER_MCP_TOOL_ERROR', message: 'No channel named #nowhere.' });
  });
});
