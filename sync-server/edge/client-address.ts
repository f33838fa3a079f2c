/**
 * Which address a request comes from, for per-address limits. Behind a reverse proxy every request
 * arrives from the proxy, and only `X-Forwarded-For` names the person; but anyone can send that
 * header, so it is read only as far as the hops it passed through are trusted (TRUST_PROXY).
 *
 * The header lists the addresses each proxy saw, the nearest last. Starting from the peer that
 * connected to us, each trusted hop hands over to the address it reported; the first address not
 * trusted (or the first hop after the counted ones) is the client. Entries further left were
 * written by the client itself and are never read.
 */
import { BlockList, isIP } from 'node:net';

export type TrustProxy =
  | { readonly kind: 'none' }
  /** The nearest `hops` proxies are trusted whoever they are: for a server only a proxy can reach. */
  | { readonly kind: 'hops'; readonly hops: number }
  /** Proxies at these addresses or networks are trusted. */
  | { readonly kind: 'addresses'; readonly list: BlockList; readonly text: string };

export const TRUST_NONE: TrustProxy = { kind: 'none' };

/**
 * Parses TRUST_PROXY: `off` (or empty), a hop count (`1`), or a comma-separated list of addresses
 * and CIDR networks (`127.0.0.1, 10.0.0.0/8, ::1`). Returns an error message for anything else.
 */
export function parseTrustProxy(raw: string): TrustProxy | string {
  const value = raw.trim().toLowerCase();
  if (value === '' || value === 'off' || value === 'false' || value === '0') return TRUST_NONE;
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    return hops <= 100 ? { kind: 'hops', hops } : 'a hop count must be at most 100';
  }
  const list = new BlockList();
  for (const entry of value.split(',').map((part) => part.trim())) {
    const [address, prefixText, ...rest] = entry.split('/');
    const family = isIP(address ?? '');
    if (family === 0 || rest.length > 0) return `${JSON.stringify(entry)} is not an IP address or CIDR network`;
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (prefixText === undefined) {
      list.addAddress(address!, type);
      continue;
    }
    const prefix = /^\d+$/.test(prefixText) ? Number(prefixText) : NaN;
    if (!(prefix >= 0 && prefix <= (family === 4 ? 32 : 128))) return `${JSON.stringify(entry)} has an invalid prefix length`;
    list.addSubnet(address!, prefix, type);
  }
  return { kind: 'addresses', list, text: value };
}

/** The client's address: `peer` is the socket's remote address, `forwardedFor` the header's value(s). */
export function clientAddress(peer: string, forwardedFor: string | readonly string[] | undefined, trust: TrustProxy): string {
  const direct = normalize(peer);
  if (trust.kind === 'none' || forwardedFor === undefined) return direct;
  const reported = (typeof forwardedFor === 'string' ? [forwardedFor] : forwardedFor)
    .flatMap((header) => header.split(','))
    .map((entry) => normalize(entry.trim()));
  let client = direct;
  for (let hop = 0; reported.length > 0; hop++) {
    const trusted = trust.kind === 'hops' ? hop < trust.hops : isTrusted(trust.list, client);
    if (!trusted) break;
    const next = reported.pop()!;
    // A proxy that wrote garbage cannot vouch for anyone: the last good address stands.
    if (isIP(next) === 0) break;
    client = next;
  }
  return client;
}

function isTrusted(list: BlockList, address: string): boolean {
  const family = isIP(address);
  return family !== 0 && list.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** `::ffff:10.0.0.1` (an IPv4 peer on a dual-stack socket) is 10.0.0.1. */
function normalize(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? mapped[1]! : address;
}
