// The wasm epoll server under the other JavaScript runtimes (Node 22/24/26,
// Deno, Bun, found as the tests find them: test/helpers/js-runtimes.ts), as
// server kinds of their own: `wasm-epoll-kernel@deno` is `wasm-epoll-kernel`
// with the CLI run by Deno (with the README's flags). Every one of these runs
// the shim WASI runtime, the one all of them have (Deno's and Bun's node:wasi
// is not uvwasi), so they differ in the JavaScript runtime alone; the machine's
// own Node is there too (`@node20`), beside the default kind on node:wasi.
// Not in the default plan: `npm run bench -- --servers …` (bench/README.md).

import { CLI_PERMISSIONS, jsRuntimes } from '../test/helpers/js-runtimes.js';
import type { ServerKind } from './servers.js';

const COMPARED = ['wasm-epoll-kernel', 'wasm-epoll-node-net'];

/** The kinds of `kinds` named in COMPARED, once per JavaScript runtime. */
export function otherJsRuntimeKinds(kinds: readonly ServerKind[]): ServerKind[] {
  return kinds
    .filter((kind) => COMPARED.includes(kind.name))
    .flatMap((kind) =>
      jsRuntimes().map((rt): ServerKind => ({
        ...kind,
        name: `${kind.name}@${rt.name}`,
        jsRuntime: rt.name,
        takes: kind.takes.filter((option) => option !== 'transport'),
        unavailableReason: async () => {
          const missing = rt.prerequisite.missing();
          return missing ? `${rt.prerequisite.name} is missing (${missing}): ${rt.prerequisite.howToGet}` : kind.unavailableReason();
        },
        command: (port) => {
          // The node CLI's own command line, with the runtime in front of it.
          const [cli, ...args] = kind.command(port).args;
          const [file, ...rest] = rt.argv(cli!, [...args, '--runtime', 'shim'], CLI_PERMISSIONS);
          return { file: file!, args: rest };
        },
      })),
    );
}
