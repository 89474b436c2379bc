// The network policy of a module that opens its own sockets: nothing unless
// allowed. A module may connect only to the addresses of `connect` rules, and
// bind (to listen) only on those of `listen` rules; the host checks each
// sock_connect and sock_bind/sock_listen against them before anything reaches
// the transport, and answers a call outside them with EACCES.
//
// Why EACCES and not ENOTCAPABLE: EACCES is what POSIX gives connect(2) and
// bind(2) for "not permitted here", every libc and language maps it to
// "permission denied" (Rust's PermissionDenied, Go's os.ErrPermission), so a
// program reports it sensibly; ENOTCAPABLE is WASI's own number, which most
// programs print as an unknown error, and this host already answers it for
// rights a descriptor lacks.
//
// A rule is HOST:PORT or HOST:* (any port), HOST an IP literal (IPv6 in
// brackets) or `localhost` (127.0.0.1 and ::1). Names are not looked up: the
// policy must mean the same on every run, in Node and in a browser.

import { canonicalIp, formatAddress, type SocketAddress } from '../transport/address.js';

/** The rules as they cross threads (structured clone): the texts the user gave. */
export interface NetworkPolicySpec {
  connect: readonly string[];
  listen: readonly string[];
}

export const DENY_ALL: NetworkPolicySpec = { connect: [], listen: [] };

export type PolicyAction = 'connect' | 'listen';

interface Rule {
  host: string;
  /** null: any port. */
  port: number | null;
}

/** Parses one rule; throws an Error whose message says what is wrong and what is expected. */
export function parseRule(text: string): Rule[] {
  const match = typeof text === 'string' ? /^(?:\[([^\]]+)\]|([^:[\]]+)):(\*|\d{1,5})$/.exec(text) : null;
  const port = match === null || match[3] === '*' ? null : Number(match[3]);
  if (match === null || (port !== null && port > 65535)) {
    throw new Error(`expected HOST:PORT or HOST:* (a port from 0 to 65535, or * for any), got ${JSON.stringify(text)}`);
  }
  const host = match[1] ?? match[2]!;
  if (host === 'localhost') return [{ host: '127.0.0.1', port }, { host: '::1', port }];
  const canonical = canonicalIp(host);
  if (canonical === null || (match[1] !== undefined) !== canonical.includes(':')) {
    throw new Error(
      `${JSON.stringify(text)}: the host must be an IP address (IPv6 in brackets, e.g. [::1]:8080) or localhost; ` +
        'names are not looked up',
    );
  }
  return [{ host: canonical, port }];
}

/** An IPv4-mapped IPv6 address reaches the IPv4 address: it is checked as that. */
function reached(address: SocketAddress): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(address.host);
  return mapped !== null ? mapped[1]! : address.host;
}

export class NetworkPolicy {
  private readonly rules: Record<PolicyAction, Rule[]>;

  /** Throws an Error naming the first bad rule (the facades turn it into a UsageError). */
  constructor(spec: NetworkPolicySpec = DENY_ALL) {
    this.rules = { connect: spec.connect.flatMap(parseRule), listen: spec.listen.flatMap(parseRule) };
  }

  allows(action: PolicyAction, address: SocketAddress): boolean {
    const host = reached(address);
    return this.rules[action].some((rule) => rule.host === host && (rule.port === null || rule.port === address.port));
  }
}

/** How a denied call is described to the user: "connect to 10.0.0.1:80". */
export function deniedText(action: PolicyAction, address: SocketAddress): string {
  return `${action === 'connect' ? 'connect to' : 'listen on'} ${formatAddress(address)}`;
}
