/**
 * The address allowlist behind every outbound fetch of the auth server: each special-purpose
 * IPv4/IPv6 form is refused, whatever its spelling; public unicast passes. Pure classification —
 * nothing here opens a socket.
 */
import { describe, expect, it } from '@jest/globals';
import { outboundAddressProblem } from '../../src/auth/outbound-address-policy.js';

const strict = { allowLoopback: false };
const dev = { allowLoopback: true };

describe('outboundAddressProblem', () => {
  it.each([
    // IPv4-mapped IPv6, in the hex form URL parsing produces and in dotted / expanded spellings
    ['::ffff:7f00:1', /IPv4-mapped/],
    ['::ffff:127.0.0.1', /IPv4-mapped/],
    ['0:0:0:0:0:ffff:7f00:1', /IPv4-mapped/],
    ['::FFFF:A9FE:A9FE', /IPv4-mapped/],
    ['::ffff:808:808', /IPv4-mapped/],
    ['::7f00:1', /IPv4-compatible/],
    ['64:ff9b::7f00:1', /NAT64/],
    ['64:ff9b:1::a00:1', /NAT64/],
    ['2002:7f00:1::1', /6to4/],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', /Teredo/],
    ['2001:db8::1', /documentation/],
    ['3fff::1', /documentation/],
    ['::1', /loopback/],
    ['::', /unspecified/],
    ['fe80::1', /link-local/],
    ['fc00::1', /unique local/],
    ['fd12:3456::1', /unique local/],
    ['fec0::1', /site-local/],
    ['ff02::1', /multicast/],
    ['100::1', /discard/],
    ['4000::1', /not global unicast/],
    ['127.0.0.1', /loopback/],
    ['127.255.0.9', /loopback/],
    ['10.1.2.3', /private/],
    ['172.16.0.1', /private/],
    ['172.31.255.255', /private/],
    ['192.168.1.1', /private/],
    ['100.64.0.1', /carrier-grade NAT/],
    ['100.127.255.254', /carrier-grade NAT/],
    ['169.254.169.254', /link-local/],
    ['0.0.0.0', /this network/],
    ['0.1.2.3', /this network/],
    ['224.0.0.1', /multicast/],
    ['239.255.255.250', /multicast/],
    ['255.255.255.255', /broadcast/],
    ['240.0.0.1', /reserved/],
    ['192.0.2.1', /documentation/],
    ['198.51.100.2', /documentation/],
    ['203.0.113.3', /documentation/],
    ['198.18.0.1', /benchmarking/],
    ['198.19.255.255', /benchmarking/],
    ['192.0.0.8', /IETF/],
    ['192.88.99.1', /6to4 relay/],
    ['2a00:1450::1%eth0', /zone id/],
    ['fe80::1%1', /zone id/],
    ['localhost', /not an IP address/],
    ['', /not an IP address/],
  ])('refuses %s', (address, reason) => {
    expect(outboundAddressProblem(address, strict)).toMatch(reason);
  });

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '192.169.0.1', '2606:4700:4700::1111', '2a00:1450:4001:80b::200e'])(
    'accepts public %s',
    (address) => {
      expect(outboundAddressProblem(address, strict)).toBeUndefined();
    },
  );

  it('with allowLoopback accepts 127.0.0.0/8 and ::1 only — never the mapped spelling or private ranges', () => {
    expect(outboundAddressProblem('127.0.0.1', dev)).toBeUndefined();
    expect(outboundAddressProblem('127.0.0.2', dev)).toBeUndefined();
    expect(outboundAddressProblem('::1', dev)).toBeUndefined();
    expect(outboundAddressProblem('::ffff:7f00:1', dev)).toMatch(/IPv4-mapped/);
    expect(outboundAddressProblem('10.0.0.1', dev)).toMatch(/private/);
    expect(outboundAddressProblem('169.254.169.254', dev)).toMatch(/link-local/);
    expect(outboundAddressProblem('fd00::1', dev)).toMatch(/unique local/);
  });
});
