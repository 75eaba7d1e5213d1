/**
 * Which resolved IP addresses the auth server may connect to when it fetches a URL a client chose
 * (Client ID Metadata Documents). An allowlist: IPv4 must be outside every special-purpose range
 * (RFC 6890 and its updates), IPv6 must be global unicast (2000::/3) and outside the special
 * ranges inside it. Everything else — loopback, private, CGNAT, link-local, ULA, multicast,
 * documentation, benchmarking, and the IPv6 forms that carry an IPv4 address (IPv4-mapped in any
 * spelling, IPv4-compatible, NAT64, 6to4, Teredo) — is refused. Classification is done by
 * `node:net`'s `BlockList` on parsed addresses, never on strings, so `::ffff:7f00:1`,
 * `::ffff:127.0.0.1` and `0:0:0:0:0:ffff:7f00:1` are the same address here.
 */
import { BlockList, isIPv4, isIPv6 } from 'node:net';

/** One refused range and why it is refused (the reason reaches logs, never the client). */
interface Range {
  readonly network: string;
  readonly prefix: number;
  readonly reason: string;
}

const V4_RANGES: readonly Range[] = [
  { network: '0.0.0.0', prefix: 8, reason: '"this network" (0.0.0.0/8)' },
  { network: '10.0.0.0', prefix: 8, reason: 'private (10.0.0.0/8)' },
  { network: '100.64.0.0', prefix: 10, reason: 'carrier-grade NAT (100.64.0.0/10)' },
  { network: '127.0.0.0', prefix: 8, reason: 'loopback (127.0.0.0/8)' },
  { network: '169.254.0.0', prefix: 16, reason: 'link-local (169.254.0.0/16)' },
  { network: '172.16.0.0', prefix: 12, reason: 'private (172.16.0.0/12)' },
  { network: '192.0.0.0', prefix: 24, reason: 'IETF protocol assignments (192.0.0.0/24)' },
  { network: '192.0.2.0', prefix: 24, reason: 'documentation (192.0.2.0/24)' },
  { network: '192.88.99.0', prefix: 24, reason: '6to4 relay anycast (192.88.99.0/24)' },
  { network: '192.168.0.0', prefix: 16, reason: 'private (192.168.0.0/16)' },
  { network: '198.18.0.0', prefix: 15, reason: 'benchmarking (198.18.0.0/15)' },
  { network: '198.51.100.0', prefix: 24, reason: 'documentation (198.51.100.0/24)' },
  { network: '203.0.113.0', prefix: 24, reason: 'documentation (203.0.113.0/24)' },
  { network: '224.0.0.0', prefix: 4, reason: 'multicast (224.0.0.0/4)' },
  { network: '240.0.0.0', prefix: 4, reason: 'reserved or broadcast (240.0.0.0/4)' },
];

/** Special ranges inside 2000::/3; anything outside 2000::/3 is refused before these are looked at. */
const V6_RANGES: readonly Range[] = [
  { network: '2001::', prefix: 23, reason: 'IETF protocol assignments, incl. Teredo and benchmarking (2001::/23)' },
  { network: '2001:db8::', prefix: 32, reason: 'documentation (2001:db8::/32)' },
  { network: '2002::', prefix: 16, reason: '6to4, which embeds an IPv4 address (2002::/16)' },
  { network: '3fff::', prefix: 20, reason: 'documentation (3fff::/20)' },
];

/** Ranges outside 2000::/3 with a more telling name than "not global unicast". */
const V6_NAMED: readonly Range[] = [
  { network: '::', prefix: 128, reason: 'unspecified (::)' },
  { network: '::1', prefix: 128, reason: 'loopback (::1)' },
  { network: '::ffff:0:0', prefix: 96, reason: 'IPv4-mapped (::ffff:0:0/96)' },
  { network: '::', prefix: 96, reason: 'IPv4-compatible (::/96)' },
  { network: '64:ff9b::', prefix: 96, reason: 'NAT64, which embeds an IPv4 address (64:ff9b::/96)' },
  { network: '64:ff9b:1::', prefix: 48, reason: 'local NAT64 (64:ff9b:1::/48)' },
  { network: '100::', prefix: 64, reason: 'discard-only (100::/64)' },
  { network: 'fc00::', prefix: 7, reason: 'unique local (fc00::/7)' },
  { network: 'fe80::', prefix: 10, reason: 'link-local (fe80::/10)' },
  { network: 'fec0::', prefix: 10, reason: 'site-local (fec0::/10)' },
  { network: 'ff00::', prefix: 8, reason: 'multicast (ff00::/8)' },
];

function blockListOf(
  ranges: readonly Range[],
  family: 'ipv4' | 'ipv6',
): ReadonlyArray<{ readonly list: BlockList; readonly reason: string }> {
  return Object.freeze(
    ranges.map((r) => {
      const list = new BlockList();
      list.addSubnet(r.network, r.prefix, family);
      return Object.freeze({ list, reason: r.reason });
    }),
  );
}

const V4_BLOCKS = blockListOf(V4_RANGES, 'ipv4');
const V6_BLOCKS = blockListOf(V6_RANGES, 'ipv6');
const V6_NAMED_BLOCKS = blockListOf(V6_NAMED, 'ipv6');
const GLOBAL_UNICAST = new BlockList();
GLOBAL_UNICAST.addSubnet('2000::', 3, 'ipv6');
// Two lists: a BlockList applies its IPv4 rules to IPv4-mapped IPv6 addresses as well.
const V4_LOOPBACK = new BlockList();
V4_LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
const V6_LOOPBACK = new BlockList();
V6_LOOPBACK.addAddress('::1', 'ipv6');

/** Options of {@link outboundAddressProblem}. */
export interface OutboundAddressPolicyOptions {
  /**
   * Also accept loopback addresses (127.0.0.0/8 and ::1) — local development and tests only.
   * Private, link-local and the other ranges stay refused.
   */
  readonly allowLoopback: boolean;
}

/**
 * Why the auth server must not connect to `address` (an IP address, no brackets), or undefined
 * when it may. A string that is not an IP address is refused.
 *
 * @example
 * outboundAddressProblem('::ffff:7f00:1', { allowLoopback: false }); // 'IPv4-mapped (::ffff:0:0/96)'
 * outboundAddressProblem('93.184.215.14', { allowLoopback: false }); // undefined
 */
export function outboundAddressProblem(address: string, options: OutboundAddressPolicyOptions): string | undefined {
  if (isIPv4(address)) {
    if (options.allowLoopback && V4_LOOPBACK.check(address, 'ipv4')) return undefined;
    return V4_BLOCKS.find((b) => b.list.check(address, 'ipv4'))?.reason;
  }
  if (isIPv6(address)) {
    // A zone id (`fe80::1%eth0`) picks an interface; BlockList ignores it, so refuse it outright.
    if (address.includes('%')) return 'scoped to an interface (zone id)';
    // Only ::1 itself: a loopback IPv4 spelled as IPv4-mapped IPv6 stays refused.
    if (options.allowLoopback && V6_LOOPBACK.check(address, 'ipv6')) return undefined;
    // BlockList applies IPv4 rules to IPv4-mapped addresses too; the IPv6 lists are checked
    // first so a mapped address is named as such (it is refused either way).
    const named = V6_NAMED_BLOCKS.find((b) => b.list.check(address, 'ipv6'))?.reason;
    if (named) return named;
    if (!GLOBAL_UNICAST.check(address, 'ipv6')) return 'not global unicast (outside 2000::/3)';
    return V6_BLOCKS.find((b) => b.list.check(address, 'ipv6'))?.reason;
  }
  return 'not an IP address';
}
