// Tests of the README's default ports (7007, 7080) must bind them, so two
// runs of such a test at once collide. CI runs the suite alone; elsewhere a
// taken port fails the test with a line saying so — never a silent skip, and
// never a confusing failure of the server under test.

import net from 'node:net';

export async function requireFreePort(port: number, host = '127.0.0.1'): Promise<void> {
  const probe = net.createServer();
  const error = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
    probe.once('error', resolve);
    probe.listen(port, host, () => resolve(null));
  });
  if (error === null) {
    await new Promise((resolve) => probe.close(resolve));
    return;
  }
  throw new Error(
    `this test needs the README's default port ${host}:${port}, and it is taken (${error.code}): ` +
      'another wasi-evloop (or another run of this test) holds it; stop that and run the test again',
  );
}
