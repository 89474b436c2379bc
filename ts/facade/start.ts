// launch() for serve() and run() on Node: a failure to open a listener becomes
// the facade's ListenError naming the address (rules.ts says how).

import { withListenErrors } from './rules.js';
import { launch, type Launched, type LaunchOptions } from '../runtime/launch.js';

/** launch(), with a failure to open a listener as a ListenError naming the address. */
export function start(options: LaunchOptions): Promise<Launched> {
  return withListenErrors(options.listen, () => launch(options));
}
