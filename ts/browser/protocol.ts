// What the page posts to a module's Web Worker (once, to start it): the Node
// worker's WorkerData without what a page has no use for (a runtime to choose,
// preopens, stdio modes). The worker answers with the same messages as the
// Node worker (WorkerMessage).

import type { RuntimeConfig, WorkerData } from '../runtime/types.js';

export type BrowserWorkerData = Pick<WorkerData, 'module' | 'transport' | 'control' | 'policy' | 'blockingListeners'> & Pick<RuntimeConfig, 'args' | 'env'>;
