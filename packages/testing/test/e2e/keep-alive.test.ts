import { get, globalAgent, type IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type Sandbox, startSandbox } from '@alter/testing';

// ECONNRESET under load: when the server and the client drop idle keep-alive sockets after the
// same time, the server can close a socket at the moment the client reuses it for the next
// request. The client (Node's global agent, used by the vault's axios) must always close first.
let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox();
});
afterAll(async () => {
  await sandbox.close();
});

function fetchHeaders(url: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = get(url, { agent: globalAgent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res));
    });
    req.on('error', reject);
  });
}

describe('the sandbox server and keep-alive', () => {
  it("keeps idle sockets open longer than Node's global agent does", async () => {
    const clientIdleMs = (globalAgent as unknown as { options: { timeout?: number } }).options.timeout ?? 5_000;
    const res = await fetchHeaders(`${sandbox.url}/.well-known/openid-configuration`);
    expect(res.statusCode).toBe(200);
    // Node's server announces its idle timeout: `Keep-Alive: timeout=<seconds>`.
    const announced = Number(/timeout=(\d+)/.exec(String(res.headers['keep-alive']))?.[1]) * 1000;
    expect(announced).toBeGreaterThan(clientIdleMs);
  });
});
