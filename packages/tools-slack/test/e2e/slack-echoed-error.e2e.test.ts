/**
 * Trust I, finding 5: a slack error body that echoes the request (here: every request header, the
 * `Authorization: Bearer <token>` included, as a misconfigured gateway in front of the API
 * answers) must reach the model as status and error code only — never as echoed request data,
 * and never with the token. Real stack: sandbox, SQLite vault, AlterMCP, the SDK's Client.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SlackTools, slackManifest } from '@alter/tools-slack';
import { type PackStack, startPackStack, textOf } from './support/pack-stack.js';

describe('@alter/tools-slack turns an echoing slack error into status and code only', () => {
  let stack: PackStack;

  beforeAll(async () => {
    stack = await startPackStack(['slack'], SlackTools);
    await stack.connect('slack', slackManifest.allScopes);
  });
  afterAll(async () => {
    await stack?.close();
    stack?.leaks.assertClean();
  });

  it('list_channels answers with the status and code, without the echoed headers or the token', async () => {
    stack.sandbox.faults.echoRequestNext();
    const result = await stack.call('list_channels', {});
    expect(result.isError).toBe(true);
    const text = textOf(result);
    expect(text).toMatch(/slack answered 400\./);
    // Not even redacted: the pack never copies the echo, so the model sees no header at all.
    expect(text).not.toMatch(/authorization|bearer|request headers|user-agent|\[redacted\]/i);
    expect(stack.sandbox.faults.pendingFailures).toEqual([]);
  });

  it('the next call, without the echo, works again', async () => {
    const result = await stack.call('list_channels', {});
    expect(result.isError).toBeFalsy();
  });
});
