// `wasi-evloop demo`: serves the lesson page (web/), the browser bundle
// (dist/browser/), the committed echo modules (wasm/) and the test fixture
// modules (build/test/, when built) over HTTP on a local address. Every
// response, errors included, is cross-origin isolated (COOP same-origin, COEP
// require-corp): SharedArrayBuffer needs it, and a worker script without it
// fails with nothing but an `error` event. Nothing is fetched from elsewhere.

import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { formatAddress, type Address } from '../facade/errors.js';
import { withListenErrors } from '../facade/rules.js';
import { packageRoot } from '../package-root.js';

const ROOT = packageRoot();

/** URL prefix → folder of the package; nothing else is served. */
const ROUTES: readonly (readonly [string, string])[] = [
  ['/dist/browser/', 'dist/browser/'],
  ['/web/', 'web/'],
  ['/wasm/', 'wasm/'],
  ['/fixtures/', 'build/test/'],
];

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
};

const ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Content-Type-Options': 'nosniff',
} as const;

/** The file for a request path, or null: only the routes above, only known types, never outside them. */
function fileFor(pathname: string): string | null {
  if (pathname === '/' || pathname === '/index.html') return join(ROOT, 'web', 'index.html');
  for (const [prefix, folder] of ROUTES) {
    if (!pathname.startsWith(prefix)) continue;
    const base = join(ROOT, folder);
    const file = normalize(join(base, decodeURIComponent(pathname.slice(prefix.length))));
    if (!file.startsWith(base.endsWith(sep) ? base : base + sep) || !(extname(file) in TYPES)) return null;
    return file;
  }
  return null;
}

export interface DemoServer {
  readonly address: Address;
  readonly url: string;
  close(): Promise<void>;
}

export async function startDemoServer(host: string, port: number): Promise<DemoServer> {
  const server: Server = createServer(async (request, response) => {
    for (const [name, value] of Object.entries(ISOLATION)) response.setHeader(name, value);
    const fail = (code: number, text: string) => {
      response.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`${text}\n`);
    };
    if (request.method !== 'GET' && request.method !== 'HEAD') return fail(405, 'only GET and HEAD');
    let file: string | null;
    try {
      file = fileFor(new URL(request.url ?? '/', 'http://localhost').pathname);
    } catch {
      file = null; // a malformed escape in the path
    }
    const info = file === null ? null : await stat(file).catch(() => null);
    if (file === null || info === null || !info.isFile()) return fail(404, 'not found');
    response.writeHead(200, { 'Content-Type': TYPES[extname(file)]!, 'Content-Length': info.size, 'Cache-Control': 'no-cache' });
    if (request.method === 'HEAD') return response.end();
    createReadStream(file)
      .on('error', () => response.destroy())
      .pipe(response);
  });
  await withListenErrors([{ host, port }], () =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port, exclusive: true }, resolve);
    }),
  );
  const bound = server.address() as { address: string; port: number };
  const address = { host: bound.address, port: bound.port };
  return {
    address,
    url: `http://${formatAddress(address)}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
