/**
 * The one loopback policy of every Alter package (vault host policy, mcp auth redirect URIs and
 * client-id URLs, @alter/testing's `approve()`, the CLI's doctor). Loopback decides where plain
 * http is tolerated and which hosts a test seam may point at, so every package must agree on it.
 */
import { isIPv4, isIPv6 } from 'node:net';

/** Canonical dotted-quad octet (0-255, no leading zeros), the form `URL` normalizes to. */
const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4_LOOPBACK = new RegExp(`^127\\.${OCTET}\\.${OCTET}\\.${OCTET}$`);

/**
 * True when `hostname` names a loopback address: `localhost` (exactly), `127.0.0.0/8` in dotted
 * form, `::1`, or an IPv4-mapped IPv6 address in `127.0.0.0/8` (`::ffff:127.0.0.1`, which `URL`
 * writes as `[::ffff:7f00:1]`). Brackets around IPv6 addresses (`URL.hostname` form) and letter
 * case are accepted.
 *
 * Not loopback: subdomains of localhost (`evil.localhost`) — Node resolves them through the system
 * resolver, which may answer with any address — `localhost.` with a trailing dot, `0.0.0.0`, and
 * non-canonical spellings such as `127.1` or `0x7f.0.0.1` (pass `new URL(…).hostname`, which
 * canonicalizes them). Answering false fails closed for every caller: plain http and test seams
 * are refused.
 *
 * @example
 * isLoopbackHost(new URL('http://127.0.0.1:8080/cb').hostname); // true
 * isLoopbackHost('[::1]');                                       // true
 * isLoopbackHost('evil.localhost');                              // false
 */
export function isLoopbackHost(hostname: string): boolean {
  if (typeof hostname !== 'string') return false;
  // A pure function of the string, asked with the same host on every request to it: the last
  // answer is kept (one entry, so nothing grows).
  if (hostname === lastHost) return lastAnswer;
  const answer = loopbackAnswer(hostname);
  lastHost = hostname;
  lastAnswer = answer;
  return answer;
}

let lastHost: string | undefined;
let lastAnswer = false;

function loopbackAnswer(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (host === 'localhost') return true;
  if (isIPv4(host)) return IPV4_LOOPBACK.test(host);
  if (!isIPv6(host)) return false;
  const bytes = ipv6Bytes(host);
  if (bytes === undefined) return false;
  const zeros = (from: number, to: number) => bytes.slice(from, to).every((b) => b === 0);
  if (zeros(0, 15) && bytes[15] === 1) return true; // ::1
  // ::ffff:a.b.c.d reaches the IPv4 address a.b.c.d (dual-stack sockets).
  return zeros(0, 10) && bytes[10] === 0xff && bytes[11] === 0xff && bytes[12] === 127;
}

/** The 16 bytes of a valid IPv6 literal (already checked with `isIPv6`; no zone id). */
function ipv6Bytes(address: string): number[] | undefined {
  if (address.includes('%')) return undefined;
  let text = address;
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  const last = text.slice(lastColon + 1);
  if (last.includes('.')) {
    if (!isIPv4(last)) return undefined;
    for (const part of last.split('.')) tail.push(Number(part));
    text = `${text.slice(0, lastColon + 1)}0:0`; // placeholder groups, replaced below
  }
  const [head = '', rest] = text.split('::');
  const groupsOf = (s: string) => (s === '' ? [] : s.split(':').map((g) => Number.parseInt(g, 16)));
  const front = groupsOf(head);
  const back = rest === undefined ? [] : groupsOf(rest);
  const fill = rest === undefined ? 0 : 8 - front.length - back.length;
  const groups = [...front, ...new Array<number>(fill).fill(0), ...back];
  if (groups.length !== 8 || groups.some((g) => !Number.isInteger(g) || g < 0 || g > 0xffff)) return undefined;
  const bytes = groups.flatMap((g) => [g >> 8, g & 0xff]);
  if (tail.length === 4) bytes.splice(12, 4, ...tail);
  return bytes;
}
