// The transport contract suite covers every kind: each name in
// ts/transport/kinds.ts has its entry in the suite's table, and no two
// entries share a name.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { kindsLeftOut, kindsUnderContract } from './helpers/transport-contract/kinds.js';

test('every transport kind is under contract', () => {
  const missing = kindsLeftOut();
  assert.equal(missing, [], `add ${missing.map((name) => `'${name}'`).join(', ')} to UNDER_CONTRACT in test/helpers/transport-contract/kinds.ts`);
  const names = kindsUnderContract().map((kind) => kind.name);
  assert.equal([...new Set(names)], names, `a kind is listed twice: ${names.join(', ')}`);
});

test.run();
