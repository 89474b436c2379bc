// contract(): registers one behaviour of the transport contract as one uvu
// test per kind ("node-net: recv scatters ..."), each on a fresh rig that is
// disposed of afterwards, whatever happened, and bounded in time.

import { test } from 'uvu';
import { withTimeout } from '../echo-client.js';
import { kindsHere } from './kinds.js';
import type { Rig, RigOptions } from './rig.js';

/** No contract test takes this long; one that does is stuck. */
const TEST_MS = 60_000;

const KINDS = await kindsHere();

export function contract(behaviour: string, body: (rig: Rig) => Promise<void>, options: RigOptions = {}): void {
  for (const kind of KINDS) {
    const name = `${kind.name}: ${behaviour}`;
    test(name, async () => {
      const rig = await kind.open(options);
      let errors: unknown[];
      try {
        await withTimeout(name, TEST_MS, body(rig));
      } finally {
        errors = await rig.dispose();
      }
      if (errors.length > 0) throw errors[0];
    });
  }
}
