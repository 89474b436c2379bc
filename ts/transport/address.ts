// Socket addresses as the transports and the network policy take them: an IP
// literal in its one canonical text form (so that two spellings of one
// address compare equal) and a port. No I/O, no DNS: the browser build has none.

export interface SocketAddress {
  family: 4 | 6;
  /** Canonical: dotted quad, or RFC 5952 IPv6 (lower case, longest zero run as '::'). */
  host: string;
  port: number;
}

export interface IpOctets {
  family: 4 | 6;
  /** 4 or 16 bytes, network order. */
  octets: Uint8Array;
}

/** An IPv4 or IPv6 literal (no zone, no brackets) as octets, or null. Strict, as inet_pton is. */
export function parseIp(text: string): IpOctets | null {
  const v4 = parseIpv4(text);
  if (v4 !== null) return { family: 4, octets: v4 };
  const v6 = parseIpv6(text);
  return v6 === null ? null : { family: 6, octets: v6 };
}

function parseIpv4(text: string): Uint8Array | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const part = parts[i]!;
    // inet_pton: decimal only, no leading zeros.
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return null;
    const n = Number(part);
    if (n > 255) return null;
    out[i] = n;
  }
  return out;
}

function parseIpv6(text: string): Uint8Array | null {
  if (text.length === 0 || text.length > 45) return null;
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const groups = (part: string): number[] | null => {
    if (part === '') return [];
    const out: number[] = [];
    const pieces = part.split(':');
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i]!;
      if (i === pieces.length - 1 && piece.includes('.')) {
        const v4 = parseIpv4(piece);
        if (v4 === null) return null;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(piece)) return null;
      out.push(parseInt(piece, 16));
    }
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (head === null || tail === null) return null;
  // An embedded IPv4 address may only end the address.
  if (halves.length === 2 && halves[0]!.includes('.')) return null;
  const filled = head.length + tail.length;
  if (halves.length === 1 ? filled !== 8 : filled > 7) return null;
  const all = [...head, ...new Array<number>(8 - filled).fill(0), ...tail];
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

/** The canonical text of 4 or 16 octets. */
export function formatIp(octets: Uint8Array): string {
  if (octets.length === 4) return Array.from(octets).join('.');
  if (octets.length !== 16) throw new RangeError(`an IP address has 4 or 16 octets, got ${octets.length}`);
  const groups = Array.from({ length: 8 }, (_, i) => (octets[2 * i]! << 8) | octets[2 * i + 1]!);
  // IPv4-mapped, as Node and inet_ntop print it.
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `::ffff:${octets[12]}.${octets[13]}.${octets[14]}.${octets[15]}`;
  }
  // RFC 5952: the longest run of two or more zero groups (the first of equals) becomes '::'.
  let best = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      best = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLength).join(':')}`;
}

/** `text` as a canonical IP literal, or null when it is none. */
export function canonicalIp(text: string): string | null {
  const ip = parseIp(text);
  return ip === null ? null : formatIp(ip.octets);
}

/** 'HOST:PORT', with IPv6 hosts in brackets. */
/** The wildcard address of a family (INADDR_ANY, in6addr_any): what bind(2) to "any" gives. */
export function wildcardHost(family: 4 | 6): string {
  return family === 4 ? '0.0.0.0' : '::';
}

/** The loopback address of a family. */
export function loopbackHost(family: 4 | 6): string {
  return family === 4 ? '127.0.0.1' : '::1';
}

/** Whether something sent to `to` reaches a socket bound to `bound` (hosts canonical): the same host, or the wildcard of its family. */
export function reaches(to: { host: string; port: number }, bound: { host: string; port: number }): boolean {
  if (to.port !== bound.port) return false;
  if (to.host === bound.host) return true;
  const family = bound.host === '0.0.0.0' ? 4 : bound.host === '::' ? 6 : null;
  if (family === null) return false;
  return parseIp(to.host)?.family === family;
}

export function formatAddress({ host, port }: { host: string; port: number | string }): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
