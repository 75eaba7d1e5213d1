/**
 * Issue #13 ("Consent users never repeat"), findings 2 and 3, end to end with the SDK's real
 * Client against the sandbox: the Python docs' literal Quick Start tool (no per-tool scopes) ends
 * in a re-authorize answer naming the Gmail scope instead of `[]`; the docs' short Google scope
 * names reach the provider as Google's scope URLs; tools' scopes roll up into
 * `alter.requiredScopes()` / `scopesFromTools(alter)`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { AlterMCP, AlterTool, type AlterContext, CONNECT_META_KEY, ToolRegistrationError, scopesFromTools } from '@alter/mcp';
import { AlterAuthProvider } from '@alter/mcp/auth';
import { AlterVault, InvalidArgumentError, providers } from '@alter/vault';
import { createMcpHarness, type McpHarness } from '../support/mcp-harness.js';
import { Browser, consentForm, startAuthHarness } from '../auth/support/auth-harness.js';
import { pkce, registerPublicClient, validAuthorizeUrl } from '../auth/support/raw-oauth.js';

type ToolResultT = { content: Array<{ type: string; text?: string }>; isError?: boolean; _meta?: Record<string, unknown> };

const GMAIL_READONLY = 'https://www.googleapis.com/auth/gmail.readonly';
const CALENDAR_EVENTS = 'https://www.googleapis.com/auth/calendar.events';

/** The Python docs' Quick Start tool, ported literally: no per-tool scopes. */
class QuickStartTools {
  @AlterTool('google', { description: 'Search emails by query string.', input: z.object({ query: z.string() }) })
  async listEmails(ctx: AlterContext, { query }: { query: string }): Promise<unknown[]> {
    const response = await ctx.request('GET', 'https://gmail.googleapis.com/gmail/v1/users/me/messages', {
      queryParams: { q: query, maxResults: '10' },
    });
    return response.json<{ messages?: unknown[] }>().messages ?? [];
  }
}

/** Tools declaring the docs' short Google scope names. */
class ShortScopeTools {
  @AlterTool('google', { description: 'List upcoming calendar events.', scopes: ['calendar.readonly'] })
  async listEvents(ctx: AlterContext): Promise<unknown> {
    const res = await ctx.request('GET', 'https://www.googleapis.com/calendar/v3/calendars/primary/events');
    return res.json();
  }

  @AlterTool('google', { description: 'Search mail.', scopes: ['gmail.readonly', GMAIL_READONLY] })
  async searchMail(ctx: AlterContext): Promise<unknown> {
    return (await ctx.request('GET', 'https://gmail.googleapis.com/gmail/v1/users/me/messages')).json();
  }

  @AlterTool({ description: 'No provider.' })
  async ping(_ctx: AlterContext): Promise<string> {
    return 'pong';
  }
}

class TypoScopeTools {
  @AlterTool('google', { description: 'Reads mail.', scopes: ['gmail.read'] })
  async readMail(_ctx: AlterContext): Promise<string> {
    return 'never';
  }
}

let h: McpHarness;

async function connect(alter: AlterMCP, modules: object[]) {
  const server = new McpServer({ name: 'seed', version: '1.0.0' });
  alter.register(server, modules);
  const [a, b] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'seed-client', version: '1.0.0' });
  await Promise.all([server.connect(a), client.connect(b)]);
  return {
    client,
    close: async () => {
      await client.close();
      await server.close();
    },
  };
}

function connectUrlOf(result: ToolResultT): string {
  const url = (result._meta?.[CONNECT_META_KEY] as { url?: string } | undefined)?.url;
  expect(typeof url).toBe('string');
  return url!;
}

beforeAll(async () => {
  h = await createMcpHarness();
});
afterAll(async () => {
  await h?.close();
});

describe("the Python docs' Quick Start tool (no per-tool scopes)", () => {
  it('answers a Gmail 403 for the missing scope with a re-authorize link naming it, and works after approval', async () => {
    const alter = new AlterMCP(h.vault, { defaultUser: 'qs-user', logger: h.leak.logger });
    const { client, close } = await connect(alter, [QuickStartTools]);
    // 1. No grant yet: Connect. The tool declares no scope, so the grant gets only the defaults.
    const first = (await client.callTool({ name: 'list_emails', arguments: { query: 'is:unread' } })) as ToolResultT;
    expect(first.isError).toBe(true);
    await h.sandbox.approve(connectUrlOf(first), { login: 'alice' });
    // 2. Gmail refuses the token for its scope: a re-authorize answer, not `[]` as data.
    const second = (await client.callTool({ name: 'list_emails', arguments: { query: 'is:unread' } })) as ToolResultT;
    expect(second.isError).toBe(true);
    expect(second.content[0]!.text).toContain(GMAIL_READONLY);
    const meta = second._meta?.[CONNECT_META_KEY] as { url: string; missingScopes: string[] };
    expect(meta.missingScopes).toEqual([GMAIL_READONLY]);
    // 3. After approving the named scope, the same call returns the mailbox.
    await h.sandbox.approve(meta.url, { login: 'alice' });
    const third = (await client.callTool({ name: 'list_emails', arguments: { query: '' } })) as ToolResultT;
    expect(third.isError).toBeFalsy();
    expect(JSON.parse(third.content[0]!.text!).length).toBeGreaterThan(0);
    await h.collectTokens();
    h.leak.inspect([first, second, third], 'tool results');
    h.leak.assertClean();
    await close();
  });
});

describe('scope names and the roll-up', () => {
  it("expands tools' short Google scope names and rolls them up per provider (requiredScopes, scopesFromTools)", () => {
    const alter = new AlterMCP(h.vault, { logger: h.leak.logger });
    expect(() => scopesFromTools(alter)).toThrow(InvalidArgumentError);
    alter.register(new McpServer({ name: 'x', version: '1' }), [ShortScopeTools, QuickStartTools]);
    expect(alter.requiredScopes()).toEqual({ google: ['https://www.googleapis.com/auth/calendar.readonly', GMAIL_READONLY] });
    expect(scopesFromTools(alter)).toEqual(alter.requiredScopes());
    // The roll-up is a valid AlterAuthProvider `providers` option as is.
    const auth = new AlterAuthProvider(h.vault, { providers: scopesFromTools(alter), logger: h.leak.logger });
    expect(auth).toBeInstanceOf(AlterAuthProvider);
  });

  it('refuses a misspelt tool scope at registration, suggesting the right one', () => {
    const alter = new AlterMCP(h.vault, { logger: h.leak.logger });
    const register = () => alter.register(new McpServer({ name: 'x', version: '1' }), [TypoScopeTools]);
    expect(register).toThrow(ToolRegistrationError);
    expect(register).toThrow(
      /TypoScopeTools\.readMail[\s\S]*"gmail\.read" is not a Google OAuth scope\. Did you mean "gmail\.readonly" \(https:\/\/www\.googleapis\.com\/auth\/gmail\.readonly\)\?/,
    );
  });
});

describe("the Python docs' literal providers dict", () => {
  it('sends Google scope URLs in the authorization redirect of a Connect session (Google is not contacted)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'alter-seed-scopes-'));
    const vault = new AlterVault({
      caller: 'seed',
      store: path.join(dir, 'vault.db'),
      encryptionKey: h.leak.secret(randomBytes(32).toString('base64'), 'key'),
      providers: [
        providers.google({
          clientId: 'cid.apps.googleusercontent.com',
          clientSecret: h.leak.secret('seed-google-secret', 'google secret'),
        }),
      ],
      logger: h.leak.logger,
    });
    try {
      const listener = await vault.connect.listen();
      const session = await vault.connect.createSession({ user: 'u1', providers: { google: ['gmail.readonly', 'calendar.events'] } });
      expect(session.url.startsWith(listener.url)).toBe(true);
      const res = await fetch(session.url, { redirect: 'manual' });
      expect(res.status).toBe(302);
      const location = new URL(res.headers.get('location')!);
      expect(location.origin).toBe('https://accounts.google.com');
      expect(location.searchParams.get('scope')!.split(' ')).toEqual(['openid', 'email', 'profile', GMAIL_READONLY, CALENDAR_EVENTS]);
      await expect(vault.connect.createSession({ user: 'u1', providers: { google: ['gmail.read'] } })).rejects.toThrow(
        /Did you mean "gmail\.readonly"/,
      );
    } finally {
      await vault.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('AlterAuthProvider({ providers: { google: ["gmail.readonly", "calendar.events"] } }) asks the provider for the URLs', async () => {
    const ah = await startAuthHarness({ auth: { providers: { google: ['gmail.readonly', 'calendar.events'], github: ['repo'] } } });
    try {
      const client = await registerPublicClient(ah.origin);
      const browser = new Browser();
      const url = validAuthorizeUrl(ah.origin, ah.mcpUrl, client, pkce());
      const consent = await browser.fetch(url);
      const form = consentForm(await consent.text());
      const decided = await browser.fetch(form.action, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ request: form.request, csrf: form.csrf, decision: 'approve' }).toString(),
      });
      expect(decided.status).toBe(302);
      // The Connect URL redirects to the (sandbox) Google authorize endpoint; read its scope. It is
      // bound to the browser that consented, so that browser (with its binding cookie) opens it.
      const toProvider = await browser.fetch(new URL(decided.headers.get('location')!, url).toString());
      const scope = new URL(toProvider.headers.get('location')!).searchParams.get('scope')!.split(' ');
      expect(scope).toEqual(expect.arrayContaining([GMAIL_READONLY, CALENDAR_EVENTS]));
      expect(scope).not.toContain('gmail.readonly');
      expect(() => new AlterAuthProvider(ah.vault, { providers: { google: ['gmail.read'] } })).toThrow(/Did you mean "gmail\.readonly"/);
    } finally {
      await ah.close();
    }
  });
});
