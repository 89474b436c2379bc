// What the end of a module means to a caller of serve() or run(): its exit
// code, or the typed error that says why there is none. No Node imports: the
// browser build settles its modules' outcomes here too.

import { ModuleLoadError, ModuleStoppedError, ModuleTrapError, WasiEvloopError } from './errors.js';
import type { Outcome } from '../runtime/supervision.js';

/** The exit code, or the error that says why there is none. */
export function settle(outcome: Outcome, moduleName: string): number {
  switch (outcome.type) {
    case 'exit':
      return outcome.code;
    case 'trap':
      throw new ModuleTrapError(moduleName, outcome.message);
    case 'start-error':
      throw new ModuleLoadError(moduleName, outcome.message);
    case 'stopped':
      throw new ModuleStoppedError(moduleName, outcome.message);
    case 'crash':
      throw new WasiEvloopError(`the worker running ${moduleName} failed: ${outcome.error.message}`, { cause: outcome.error });
  }
}
