// The JavaScript runtime this process is (Node, Deno or Bun), for messages,
// and Deno's sandbox: what it refuses, said as the flag that grants it.
// Deno reports a refusal as an error named NotCapable; node:net's listen
// throws it outside any callback or 'error' event (an uncaught exception), so
// a listen asks first.

/** 'Node 22.23.5', 'Deno 2.9.6', 'Bun 1.4.5'. */
export function jsRuntimeName(): string {
  const v = process.versions as Record<string, string | undefined>;
  if (v.bun !== undefined) return `Bun ${v.bun}`;
  if (v.deno !== undefined) return `Deno ${v.deno}`;
  return `Node ${v.node}`;
}

/** Deno's refusal in `error`, as one line saying what was refused and which flag grants it; null for any other error. */
export function sandboxRefusal(error: unknown): string | null {
  if (!(error instanceof Error) || error.name !== 'NotCapable') return null;
  return `Deno's permissions refused it (${error.message.split('\n')[0]!.trim()})`;
}

interface DenoPermissions {
  querySync(descriptor: { name: 'net'; host: string }): { state: 'granted' | 'prompt' | 'denied' };
}

/**
 * Null where this process may listen on host:port; otherwise why not and
 * which flag grants it (Deno without --allow-net for that host).
 */
export function listenRefusal(host: string, port: number): string | null {
  const permissions = (globalThis as { Deno?: { permissions?: DenoPermissions } }).Deno?.permissions;
  if (permissions === undefined) return null;
  const hostPort = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  if (permissions.querySync({ name: 'net', host: hostPort }).state === 'granted') return null;
  return `Deno's permissions do not allow it: run deno with --allow-net=${host.includes(':') ? `[${host}]` : host}`;
}
