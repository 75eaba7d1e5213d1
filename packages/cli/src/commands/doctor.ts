/**
 * `alter doctor`: checks the config, the key, the store and every provider, one line each, and
 * says what to fix. It changes nothing: it never creates a key or a SQLite file (opening an
 * existing store does apply pending migrations, exactly as a server starting would).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { type AlterVault, isAlterError, type ProviderConfig } from '@alter/vault';
import { isLoopbackHost } from '@alter/vault/internal';
import { intOption } from '../args.js';
import type { CommandSpec } from '../command.js';
import type { LoadedConfig } from '../config.js';
import { escapeControl } from '../output/sanitize.js';
import { DEV_KEY_FILE, describeStore, sqliteFileOf } from '../vault-session.js';

type Status = 'ok' | 'warn' | 'fail';

interface Finding {
  readonly status: Status;
  readonly area: string;
  readonly message: string;
  readonly fix?: string;
}

const LABEL: Readonly<Record<Status, string>> = { ok: 'ok', warn: 'WARN', fail: 'FAIL' };

export const doctor: CommandSpec = {
  path: ['doctor'],
  summary: 'Check config, key, store and provider endpoints; say what to fix.',
  details:
    'Exit status 0 when nothing failed (warnings allowed), 1 otherwise. Provider endpoints are contacted\n' +
    'with one short HTTP request each (any HTTP answer counts as reachable); --offline skips that.',
  options: {
    offline: { type: 'boolean', description: 'do not contact provider endpoints or the Connect base URL' },
    timeout: { type: 'string', value: 'ms', description: 'per-endpoint timeout (default 5000)' },
  },
  positionals: [],
  examples: ['alter doctor', 'alter doctor --config prod.config.mjs --offline'],
  usesVault: true,
  async run({ io, values, openVault, loadConfig }) {
    const findings: Finding[] = [];
    const report = (f: Finding) => {
      findings.push(f);
      io.stdout.write(`${LABEL[f.status].padEnd(4)}  ${f.area.padEnd(9)} ${escapeControl(f.message)}\n`);
      if (f.fix) io.stdout.write(`${' '.repeat(16)}fix: ${escapeControl(f.fix)}\n`);
    };
    const timeoutMs = Math.max(100, intOption(values, 'timeout', 5_000, 600_000));
    const online = values.offline !== true;

    // 1. Config
    let config: LoadedConfig;
    try {
      config = await loadConfig();
    } catch (err) {
      report({ status: 'fail', area: 'config', message: messageOf(err), fix: 'fix the file, or pass --config <file>' });
      return finish(io, findings);
    }
    report({
      status: 'ok',
      area: 'config',
      message: config.file
        ? `${path.relative(io.cwd, config.file) || config.file}`
        : 'no config file (flags, environment and defaults only)',
    });
    for (const problem of config.problems) {
      const variable = / names (\S+), which is not set/.exec(problem)?.[1];
      report({
        status: 'fail',
        area: 'config',
        message: problem,
        fix: variable ? `export ${variable}=… in the environment alter and the servers run in` : 'fix the config file',
      });
    }
    report({ status: 'ok', area: 'caller', message: `"${config.options.caller}" (${config.sources.caller})` });

    // 2. Key (format and presence; whether it opens the store is checked with the store)
    const keyFile = path.resolve(io.cwd, DEV_KEY_FILE);
    let keyUsable = true;
    if (config.sources.encryptionKey === 'default') {
      if (existsSync(keyFile)) {
        report({
          status: 'warn',
          area: 'key',
          message: `development key file ${DEV_KEY_FILE}`,
          fix: 'for production: NEW=$(openssl rand -base64 32) alter keys rotate --new-key-env NEW, then run every server with ALTER_VAULT_KEY=$NEW',
        });
      } else {
        keyUsable = false;
        report({
          status: 'fail',
          area: 'key',
          message: 'no encryption key configured and no development key file',
          fix: "set ALTER_VAULT_KEY to the key the servers use (or run alter in the server's directory)",
        });
      }
    } else if (!isValidKey(config.options.encryptionKey)) {
      keyUsable = false;
      report({
        status: 'fail',
        area: 'key',
        message: `the key from the ${config.sources.encryptionKey} is not base64 for 32 bytes`,
        fix: 'use the key the servers use; a new one is made with: openssl rand -base64 32',
      });
    }

    // 3. Store
    const storeText = describeStore(config.options.store, io.cwd);
    const file = sqliteFileOf(config.options.store, io.cwd);
    let vault: AlterVault | undefined;
    if (file !== undefined && !existsSync(file)) {
      report({
        status: 'fail',
        area: 'store',
        message: `${storeText}: the file does not exist`,
        fix: "check --store, ALTER_VAULT_STORE or the config's store; a server creates it on first start",
      });
    } else if (!keyUsable) {
      report({ status: 'warn', area: 'store', message: `${storeText}: not opened (no usable key)` });
    } else {
      try {
        vault = await openVault();
        report({
          status: 'ok',
          area: 'key',
          message: `key id ${vault.keyId} (${config.sources.encryptionKey === 'default' ? DEV_KEY_FILE : config.sources.encryptionKey}) opens this vault`,
        });
        const active = await vault.grants.list({});
        const last = await vault.store.lastAudit();
        report({
          status: 'ok',
          area: 'store',
          message: `${storeText}: reachable, migrations applied, ${active.length} active grants, ${last?.seq ?? 0} audit rows`,
        });
      } catch (err) {
        const code = isAlterError(err) ? err.code : undefined;
        if (code === 'ALTER_ENCRYPTION_KEY') {
          report({
            status: 'fail',
            area: 'key',
            message: messageOf(err),
            fix: 'configure the key the servers use for this store (ALTER_VAULT_KEY or encryptionKey)',
          });
        } else if (code === 'ALTER_CONFIG' || code === 'ALTER_INVALID_ARGUMENT') {
          report({ status: 'fail', area: 'config', message: messageOf(err), fix: 'fix the option the message names in the config' });
        } else {
          report({
            status: 'fail',
            area: 'store',
            message: `${storeText}: ${messageOf(err)}`,
            fix: file ? 'check the path and file permissions' : 'check that PostgreSQL runs, the URL, user, password and database',
          });
        }
      }
    }

    // 4. Providers (from the config itself, so they are checked even when the store is down)
    const configured = config.options.providers.filter(
      (p): p is ProviderConfig => typeof p === 'object' && p !== null && typeof (p as { id?: unknown }).id === 'string',
    );
    if (configured.length === 0) {
      report({
        status: 'warn',
        area: 'providers',
        message: 'no providers configured',
        fix: 'add providers (providers.google({...}), …) to the config; tools and Connect need them',
      });
    }
    for (const p of configured) {
      await checkProvider(p, { report, online, timeoutMs });
    }

    // 5. Connect
    if (vault) {
      const base = vault.connect.baseUrl;
      if (base === undefined) {
        report({
          status: 'warn',
          area: 'connect',
          message: 'connect.baseUrl not set: servers must call vault.connect.listen(); "alter connect" serves Connect itself',
          fix: 'set connect: { baseUrl } to the public URL where vault.connect.handler() is mounted',
        });
      } else {
        report({
          status: 'ok',
          area: 'connect',
          message: `Connect URLs start with ${base}; register ${base}/connect/callback at each provider`,
        });
        if (online) {
          const probe = await probeUrl(`${base}/connect/callback`, timeoutMs);
          if (probe.ok) report({ status: 'ok', area: 'connect', message: `${base} answers (HTTP ${probe.status})` });
          else
            report({
              status: 'warn',
              area: 'connect',
              message: `${base} is not reachable (${probe.error})`,
              fix: 'start the server that mounts vault.connect.handler(), or fix connect.baseUrl',
            });
        }
      }
    }
    return finish(io, findings);
  },
};

interface ProviderCheckContext {
  readonly report: (f: Finding) => void;
  readonly online: boolean;
  readonly timeoutMs: number;
}

async function checkProvider(p: ProviderConfig, { report, online, timeoutMs }: ProviderCheckContext): Promise<void> {
  const area = 'provider';
  const name = p.id;
  const fail = (message: string, fix: string) => report({ status: 'fail', area, message: `${name}: ${message}`, fix });
  let problems = 0;
  if (!p.clientId) {
    problems += 1;
    fail('no clientId', `set the OAuth client id of your ${p.displayName} app`);
  }
  if (!p.clientSecret && p.tokenEndpointAuthMethod !== 'none') {
    problems += 1;
    fail('no client secret', 'set clientSecret (JSON config: "clientSecretEnv": "<VAR>" and export the variable)');
  }
  if (!Array.isArray(p.allowedHosts) || p.allowedHosts.length === 0)
    report({
      status: 'warn',
      area,
      message: `${name}: allowedHosts is empty, so no API request can be sent`,
      fix: 'list the API hosts of the provider in allowedHosts',
    });

  const endpoints: Array<[string, string]> = [];
  if (p.authorizationEndpoint && p.tokenEndpoint) {
    endpoints.push(['authorization endpoint', p.authorizationEndpoint], ['token endpoint', p.tokenEndpoint]);
  } else if (p.issuer) {
    endpoints.push(['discovery', `${p.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`]);
  } else {
    problems += 1;
    fail(
      'no endpoints: neither authorizationEndpoint + tokenEndpoint nor an issuer',
      'use a built-in provider factory, or set the endpoints (providers.oauth2) or issuer (providers.oidc)',
    );
  }
  for (const [label, url] of endpoints) {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      problems += 1;
      fail(`${label} is not a URL: ${url}`, 'fix the endpoint URL');
      continue;
    }
    if (u.protocol !== 'https:' && !(u.protocol === 'http:' && isLoopbackHost(u.hostname))) {
      problems += 1;
      fail(`${label} ${u.origin} is not https`, 'OAuth endpoints must use https (http only on loopback, for tests)');
      continue;
    }
    if (!online) continue;
    const probe = await probeUrl(url, timeoutMs);
    if (probe.ok) continue;
    problems += 1;
    fail(`${label} ${u.origin} is not reachable (${probe.error})`, 'check the network, proxy and firewall, or the endpoint URL');
  }
  if (problems === 0) {
    report({
      status: 'ok',
      area,
      message: `${name}: configured${online && endpoints.length > 0 ? ', endpoints reachable' : ''} (hosts: ${(p.allowedHosts ?? []).join(', ') || '-'})`,
    });
  }
}

/** One GET without following redirects; any HTTP answer means the endpoint is there. */
async function probeUrl(url: string, timeoutMs: number): Promise<{ ok: true; status: number } | { ok: false; error: string }> {
  try {
    const res = await fetch(url, { method: 'GET', redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    await res.body?.cancel();
    return { ok: true, status: res.status };
  } catch (err) {
    const e = err as { name?: string; cause?: { code?: string; message?: string } };
    if (e.name === 'TimeoutError') return { ok: false, error: `no answer within ${timeoutMs} ms` };
    return { ok: false, error: e.cause?.code ?? e.cause?.message ?? messageOf(err) };
  }
}

function isValidKey(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const t = value.trim();
  return /^[A-Za-z0-9+/_-]+={0,2}$/.test(t) && Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64').length === 32;
}

function messageOf(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/\s*\n\s*/g, ' ');
}

function finish(io: { stdout: NodeJS.WritableStream }, findings: readonly Finding[]): number {
  const failed = findings.filter((f) => f.status === 'fail').length;
  const warned = findings.filter((f) => f.status === 'warn').length;
  io.stdout.write(
    `doctor: ${failed === 0 ? 'no problems' : `${failed} problem${failed === 1 ? '' : 's'}`}, ${warned} warning${warned === 1 ? '' : 's'}\n`,
  );
  return failed === 0 ? 0 : 1;
}
