// Checking what callers of serve() and run() pass: each check throws a
// UsageError that says what was wrong and what is expected.

import { UsageError, type Address } from './errors.js';
import { NetworkPolicy, type NetworkPolicySpec } from '../host/network-policy.js';
import type { Preopen } from '../runtime/types.js';

export function oneOf<T extends string>(what: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${what} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
}

export function wholeNumber(what: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new UsageError(`${what} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** An optional yes/no option: false when not given. */
export function flag(what: string, value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw new UsageError(`${what} must be true or false, got ${JSON.stringify(value)}`);
  return value;
}

export function hostName(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || /\s/.test(value)) {
    throw new UsageError(`host must be a host name or IP address, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** 'HOST:PORT' or '[IPv6]:PORT' → an address; UsageError otherwise. */
export function parseAddress(text: string): Address {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  const port = match ? Number(match[3]) : NaN;
  if (!match || port > 65535) {
    throw new UsageError(`expected HOST:PORT with a port from 0 to 65535 (e.g. 127.0.0.1:8080), got ${JSON.stringify(text)}`);
  }
  return { host: match[1] ?? match[2]!, port };
}

/** 'HOST[::GUEST]' (wasmtime's --dir) → a preopen; the guest path defaults to the host path. */
export function parsePreopen(text: string): Preopen {
  const at = text.indexOf('::');
  const host = at < 0 ? text : text.slice(0, at);
  const guest = at < 0 ? text : text.slice(at + 2);
  if (host === '' || guest === '') throw new UsageError(`expected HOST[::GUEST] for a directory, got ${JSON.stringify(text)}`);
  return { host, guest };
}

export function toAddress(value: string | Address): Address {
  if (typeof value === 'string') return parseAddress(value);
  return { host: hostName(value?.host), port: wholeNumber('port', value?.port, 0, 65535) };
}

export function toPreopens(value: Readonly<Record<string, string>> | readonly (string | Preopen)[] | undefined): Preopen[] {
  if (value === undefined) return [];
  const list: Preopen[] = Array.isArray(value)
    ? value.map((p: string | Preopen) => (typeof p === 'string' ? parsePreopen(p) : { guest: p.guest, host: p.host }))
    : Object.entries(value as Record<string, string>).map(([guest, host]) => ({ guest, host }));
  const seen = new Set<string>();
  for (const { guest, host } of list) {
    if (typeof guest !== 'string' || typeof host !== 'string' || !guest || !host) {
      throw new UsageError('preopens: every directory needs a host path and a guest path');
    }
    if (seen.has(guest)) throw new UsageError(`preopens: guest path ${guest} is given twice`);
    seen.add(guest);
  }
  return list;
}

export function toEnv(value: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, v] of Object.entries(value ?? {})) {
    if (key === '' || key.includes('=') || typeof v !== 'string') {
      throw new UsageError(`env: ${JSON.stringify(key)} must be a name without '=' with a string value`);
    }
    env[key] = v;
  }
  return env;
}

/** The arguments after the program name: strings only. */
export function toArgs(value: readonly string[] | undefined): string[] {
  const args = [...(value ?? [])];
  if (args.some((a) => typeof a !== 'string')) throw new UsageError('args must be strings');
  return args;
}

/**
 * allowConnect / allowListen → the network policy the module runs under
 * (nothing unless allowed); a rule that is not HOST:PORT or HOST:* with an IP
 * address or localhost is a UsageError naming it.
 */
export function toPolicy(allowConnect: readonly string[] | undefined, allowListen: readonly string[] | undefined): NetworkPolicySpec {
  const rules = (what: string, value: readonly string[] | undefined): string[] => {
    if (value === undefined) return [];
    if (!Array.isArray(value) || value.some((r) => typeof r !== 'string')) throw new UsageError(`${what} must be a list of 'HOST:PORT' or 'HOST:*' strings`);
    return [...value];
  };
  const spec = { connect: rules('allowConnect', allowConnect), listen: rules('allowListen', allowListen) };
  for (const [what, list] of [['allowConnect', spec.connect], ['allowListen', spec.listen]] as const) {
    try {
      new NetworkPolicy({ connect: list, listen: [] });
    } catch (error) {
      throw new UsageError(`${what}: ${(error as Error).message}`, { cause: error });
    }
  }
  return spec;
}
