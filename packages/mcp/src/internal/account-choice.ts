/**
 * Account choice in the protocol: a user with several accounts (grants) at a provider calls a
 * tool that names none. When the client supports form-mode elicitation, the user is asked which
 * account to use — an enum of the account labels the vault already shows in its errors (never a
 * grant id or anything token-derived) — and the request proceeds with the answer. The answer
 * must be one of the offered labels (allowlist): anything else fails closed. Clients without
 * form elicitation get the vault's `AccountAmbiguousError` unchanged (it lists the accounts and
 * says to pass `account`).
 *
 * One question per provider and call tree: the choice (a promise, so parallel requests share one
 * question) is kept in the call state, and later requests to that provider use it.
 */
import type { VaultRequestOptions, VaultResponse } from '@alter/vault';
import { AccountNotChosenError } from '../errors.js';
import type { CallState } from './call-state.js';

/** The field of the form the client shows. */
const FIELD = 'account';

/** The shape of the vault's `AccountAmbiguousError` this module relies on (checked, not assumed). */
interface AmbiguousAccounts {
  readonly provider: string;
  readonly accounts: readonly string[];
}

function ambiguity(err: unknown): AmbiguousAccounts | undefined {
  const e = err as { code?: unknown; provider?: unknown; accounts?: unknown } | null;
  if (e?.code !== 'ALTER_ACCOUNT_AMBIGUOUS' || typeof e.provider !== 'string' || !Array.isArray(e.accounts)) return undefined;
  const accounts = e.accounts.filter((a): a is string => typeof a === 'string' && a !== '');
  return accounts.length > 1 ? { provider: e.provider, accounts } : undefined;
}

/**
 * Sends `send(options)`; when the vault answers that the user has several accounts at `provider`
 * and `options` named none, asks the user (once per call tree) and sends again with the choice.
 * A choice made earlier in this call tree is applied up front.
 * @throws AccountNotChosenError when the user declined, cancelled, or answered with no offered account.
 * @throws the vault's AccountAmbiguousError unchanged when the client cannot be asked.
 */
export function withAccountChoice(
  state: CallState,
  tool: string,
  provider: string,
  options: VaultRequestOptions,
  send: (options: VaultRequestOptions) => Promise<VaultResponse>,
): Promise<VaultResponse> {
  if (options.account !== undefined) return send(options);
  const earlier = state.accountChoices.get(provider);
  if (earlier !== undefined) return earlier.then((account) => send({ ...options, account }));
  // Not an async function: on the hot path (one account, no choice needed) this is one `send`
  // plus one rejection handler, not an extra promise and await per request.
  return send(options).catch((err: unknown) => askAndResend(state, tool, provider, options, send, err));
}

/** The vault answered that the user has several accounts: ask (once per call tree), then send with the choice. */
async function askAndResend(
  state: CallState,
  tool: string,
  provider: string,
  options: VaultRequestOptions,
  send: (options: VaultRequestOptions) => Promise<VaultResponse>,
  err: unknown,
): Promise<VaultResponse> {
  const ambiguous = ambiguity(err);
  if (ambiguous === undefined || ambiguous.provider !== provider || !state.channel.supportsFormElicitation()) throw err;
  let choice = state.accountChoices.get(provider);
  if (choice === undefined) {
    choice = askForAccount(state, tool, ambiguous, err);
    state.accountChoices.set(provider, choice);
    // A refusal is not remembered: a parallel request already waiting shares it, a later one asks again.
    choice.catch(() => {
      if (state.accountChoices.get(provider) === choice) state.accountChoices.delete(provider);
    });
  }
  return send({ ...options, account: await choice });
}

async function askForAccount(state: CallState, tool: string, ambiguous: AmbiguousAccounts, original: unknown): Promise<string> {
  const { provider, accounts } = ambiguous;
  let answer: Readonly<Record<string, unknown>>;
  try {
    answer = await state.channel.request(
      'elicitation',
      // No `mode`: form is the default, and clients of 2025-06-18 do not know the field.
      state.secrets.redact({
        message: `You have ${accounts.length} ${provider} accounts connected. Which one should ${tool} use?`,
        requestedSchema: {
          type: 'object',
          properties: { [FIELD]: { type: 'string', title: `${provider} account`, enum: [...accounts] } },
          required: [FIELD],
        },
      }),
    );
  } catch (err) {
    // The call itself was cancelled: that wins.
    if (state.signal.aborted) throw err;
    // The client said it could answer but did not (an error answer, a closed stream): the
    // ambiguity error, which tells the caller how to pick the account, is the honest result.
    throw original;
  }
  const action = answer.action;
  if (action === 'decline' || action === 'cancel') throw new AccountNotChosenError({ tool, provider, reason: action });
  const picked = (answer.content as Record<string, unknown> | undefined)?.[FIELD];
  if (action !== 'accept' || typeof picked !== 'string' || !accounts.includes(picked))
    throw new AccountNotChosenError({ tool, provider, reason: 'invalid' });
  return picked;
}
