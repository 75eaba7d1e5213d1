/**
 * Issue #13, "anything unrecognisable for a provider is refused at startup with the correct
 * spelling suggested" — for GitHub and Slack as for Google: the provider factories' `scopes`, tool
 * `scopes` at registration, `AlterAuthProvider({ providers })` and Connect sessions all refuse a
 * misspelt scope before anything reaches the provider, naming where it was and what was meant.
 * Real parts: the vault's real provider factories (no network at startup), the sandbox-emulated
 * providers (which check names like the real ones), a SQLite vault, the SDK's McpServer.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { AlterMCP, AlterTool, type AlterContext, ToolRegistrationError } from '@alter/mcp';
import { AlterAuthProvider } from '@alter/mcp/auth';
import { AlterVault, InvalidArgumentError, providers } from '@alter/vault';
import { type Sandbox, startSandbox } from '@alter/testing';

class SlackTypoTools {
  @AlterTool('slack', { description: 'Posts a message.', scopes: ['chat.write'] })
  async postMessage(_ctx: AlterContext): Promise<string> {
    return 'never called';
  }
}

class GithubTypoTools {
  @AlterTool('github', { description: 'Lists repositories.', scopes: ['repos'] })
  async listRepos(_ctx: AlterContext): Promise<string> {
    return 'never called';
  }
}

class SlackBotScopeTools {
  @AlterTool('slack', { description: 'Posts in any public channel.', scopes: ['chat:write.public'] })
  async postAnywhere(_ctx: AlterContext): Promise<string> {
    return 'never called';
  }
}

class RightNamesTools {
  @AlterTool('slack', { description: 'Lists channels.', scopes: ['channels:read', 'channels:history'] })
  async listChannels(_ctx: AlterContext): Promise<string> {
    return 'ok';
  }
  @AlterTool('github', { description: 'Reads the profile.', scopes: ['read:user', 'repo'] })
  async profile(_ctx: AlterContext): Promise<string> {
    return 'ok';
  }
}

const real = { clientId: 'cid', clientSecret: 'not-a-secret' };

describe('scope names GitHub and Slack do not have are refused at startup', () => {
  let dir: string;
  let sandbox: Sandbox;
  const vaults: AlterVault[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'alter-scope-names-'));
    sandbox = await startSandbox();
  });
  afterAll(async () => {
    for (const v of vaults) await v.close();
    await sandbox?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function vaultWith(configs: ConstructorParameters<typeof AlterVault>[0]['providers']): AlterVault {
    const vault = new AlterVault({
      caller: 'scope-names',
      store: path.join(dir, `${vaults.length}.db`),
      encryptionKey: randomBytes(32).toString('base64'),
      providers: configs,
      logger: silent,
    });
    vaults.push(vault);
    return vault;
  }

  it('refuses them in the provider factories, with the spelling the provider uses', () => {
    expect(() => providers.slack({ ...real, scopes: ['chat.write'] })).toThrow(
      /"chat\.write" is not a Slack user scope\. Did you mean "chat:write"\?/,
    );
    expect(() => providers.slack({ ...real, scopes: ['channels.read'] })).toThrow(/Did you mean "channels:read"\?/);
    expect(() => providers.slack({ ...real, scopes: ['commands'] })).toThrow(
      /"commands" is a Slack bot scope; providers\.slack\(\) asks for user tokens/,
    );
    expect(() => providers.github({ ...real, scopes: ['read_user'] })).toThrow(
      /"read_user" is not a GitHub OAuth scope\. Did you mean "read:user"\?/,
    );
    expect(() => providers.slack({ ...real, scopes: ['channels:read', 'chat:write', 'users:read.email'] })).not.toThrow();
  });

  it.each([
    ['real providers', () => [providers.slack(real), providers.github(real)]],
    ['sandbox-emulated providers', () => [sandbox.provider('slack'), sandbox.provider('github')]],
  ])('refuses misspelt tool scopes at registration (%s), naming the tool and the right scope', (_label, configs) => {
    const alter = new AlterMCP(vaultWith(configs()), { defaultUser: 'u', logger: silent });
    const register = (tools: Array<new () => object>) => () => alter.register(new McpServer({ name: 's', version: '1' }), tools);
    expect(register([SlackTypoTools])).toThrow(ToolRegistrationError);
    expect(register([SlackTypoTools])).toThrow(
      /SlackTypoTools\.postMessage[\s\S]*"chat\.write" is not a Slack user scope\. Did you mean "chat:write"\?/,
    );
    expect(register([GithubTypoTools])).toThrow(
      /GithubTypoTools\.listRepos[\s\S]*"repos" is not a GitHub OAuth scope\. Did you mean "repo"\?/,
    );
    expect(register([SlackBotScopeTools])).toThrow(/"chat:write\.public" is a Slack bot scope/);
    expect(register([RightNamesTools])).not.toThrow();
    expect(alter.requiredScopes()).toEqual({ slack: ['channels:read', 'channels:history'], github: ['read:user', 'repo'] });
  });

  it('refuses them in AlterAuthProvider providers and in Connect sessions', async () => {
    const vault = vaultWith([sandbox.provider('slack'), sandbox.provider('github')]);
    expect(
      () => new AlterAuthProvider(vault, { baseUrl: 'http://127.0.0.1:1/mcp', providers: { slack: ['channels.history'] }, logger: silent }),
    ).toThrow(/options\.providers\.slack: "channels\.history" is not a Slack user scope\. Did you mean "channels:history"\?/);
    expect(
      () => new AlterAuthProvider(vault, { baseUrl: 'http://127.0.0.1:1/mcp', providers: { github: ['user.email'] }, logger: silent }),
    ).toThrow(InvalidArgumentError);
    await vault.connect.listen();
    await expect(vault.connect.createSession({ user: 'u', providers: { slack: ['chat.write'] } })).rejects.toThrow(
      /providers\.slack: "chat\.write" is not a Slack user scope\. Did you mean "chat:write"\?/,
    );
    await expect(vault.connect.createSession({ user: 'u', providers: { slack: ['chat:write'], github: ['repo'] } })).resolves.toMatchObject(
      { url: expect.any(String) },
    );
  });
});

const silent = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
