// The soak's scenarios, run concurrently for the whole run. Adding one is one line.
import { churn } from './scenarios/churn.js';
import { halfClose } from './scenarios/half-close.js';
import { integrity } from './scenarios/integrity.js';
import { neverReader } from './scenarios/never-reader.js';
import { rstStorm } from './scenarios/rst-storm.js';
import { slowloris } from './scenarios/slowloris.js';
import type { Scenario } from './scenario.js';

export const scenarios: readonly Scenario[] = [integrity, slowloris, neverReader, rstStorm, churn, halfClose];
