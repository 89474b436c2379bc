// Kernel addon, out of fds: accept answers -EMFILE and the listener stays
// readable, so a loop watching it would wake forever. refusePending spends
// the spare fd to accept-and-close every pending connection (the peers see an
// orderly close), takes the spare back, and the listener goes quiet. Runs in a
// child process under `ulimit -n`, driven step by step over stdin.
import { spawn } from 'node:child_process';
import net from 'node:net';
import { createInterface } from 'node:readline';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { withTimeout } from './helpers/echo-client.js';
import { ADDON_MODULE, E } from './helpers/kernel-addon.js';

const FD_LIMIT = 64;

const CHILD = `
import { createInterface } from 'node:readline';
import { loadKernelAddon } from ${JSON.stringify(ADDON_MODULE)};
const addon = loadKernelAddon().addon;
const { EPOLL_CTL_ADD, EPOLLIN } = addon.constants;
const listenFd = addon.listen('127.0.0.1', 0, 16);
const epfd = addon.epollCreate();
addon.epollCtl(epfd, EPOLL_CTL_ADD, listenFd, EPOLLIN);
const out = new Int32Array(16);
const fillers = [];
let last;
while (fillers.length < ${FD_LIMIT} && (last = addon.eventfd()) >= 0) fillers.push(last);
const report = (o) => console.log(JSON.stringify(o));
report({ port: addon.localPort(listenFd), filled: last, noSpare: addon.refusePending(listenFd) });
addon.close(fillers.pop());
report({ reserved: addon.reserveSpareFd(), eventfd: addon.eventfd() });
const steps = {
  refuse: () => ({
    readable: addon.epollWait(epfd, out, 2000),
    accept: addon.accept(listenFd, epfd),
    refused: addon.refusePending(listenFd),
    readableAfter: addon.epollWait(epfd, out, 0),
    acceptAfter: addon.accept(listenFd, epfd),
  }),
  free: () => { addon.close(fillers.pop()); return { freed: true }; },
  accept: () => ({ readable: addon.epollWait(epfd, out, 2000), accept: addon.accept(listenFd, epfd) }),
};
createInterface({ input: process.stdin }).on('line', (line) => report(steps[line]()));
`;

test(`out of fds (ulimit -n ${FD_LIMIT}): pending connections are refused and counted, the listener goes quiet`, async () => {
  const child = spawn('sh', ['-c', `ulimit -n ${FD_LIMIT} && exec "$0" --input-type=module -e "$1"`, process.execPath, CHILD], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => {
    const line = await withTimeout(`the child's answer (stderr: ${stderr})`, 5000, lines.next());
    return JSON.parse(line.value as string) as Record<string, number | boolean>;
  };
  const step = (name: string) => { child.stdin.write(`${name}\n`); return next(); };
  const clients: net.Socket[] = [];
  const connectClient = (port: number) => withTimeout('connect', 5000, new Promise<net.Socket>((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => resolve(s));
    s.once('error', reject);
    clients.push(s);
  }));
  const closedByServer = (s: net.Socket, which = '') => withTimeout(`the refused client ${which} to be closed`, 2000, new Promise<void>((resolve) => {
    s.on('error', () => resolve());
    s.once('end', () => resolve());
    s.resume();
  }));
  try {
    const start = await next();
    assert.is(start.filled, -E.EMFILE, 'the child ran out of fds');
    assert.is(start.noSpare, -E.EMFILE, 'with no spare and no fd free, nothing can be refused');
    const port = start.port as number;
    assert.equal(await next(), { reserved: 0, eventfd: -E.EMFILE }, 'the spare took the last free fd');

    const refusedClients = [await connectClient(port), await connectClient(port), await connectClient(port)];
    // Watched from now on: a socket with nothing to read emits 'end' as soon as the FIN comes.
    const refusals = refusedClients.map((s, i) => closedByServer(s, String(i)));
    // accept takes an fd before it looks at the queue, so it still answers
    // -EMFILE; what matters is that the listener no longer wakes the loop.
    const first = await step('refuse');
    assert.equal(first, { readable: 1, accept: -E.EMFILE, refused: 3, readableAfter: 0, acceptAfter: -E.EMFILE });
    await Promise.all(refusals);

    // The spare was taken back: a second wave is refused the same way.
    const late = closedByServer(await connectClient(port), 'late');
    assert.equal(await step('refuse'), { readable: 1, accept: -E.EMFILE, refused: 1, readableAfter: 0, acceptAfter: -E.EMFILE });
    await late;

    // With an fd free again, connections are accepted as usual.
    await step('free');
    await connectClient(port);
    const accepted = await step('accept');
    assert.is(accepted.readable, 1);
    assert.ok((accepted.accept as number) >= 0, `accept: ${accepted.accept}`);
  } finally {
    for (const s of clients) s.destroy();
    child.kill('SIGKILL');
  }
});

test.run();
