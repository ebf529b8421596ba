import type { PipelineClock } from '../../core/pipeline/ports.js';
import { stockholmDate, stockholmDateOf } from './stockholm-date.js';

/** The pipeline's clock on this machine: today in Europe/Stockholm (or `today`), now in UTC. */
export function systemClock(today: string = stockholmDate()): PipelineClock {
  return { today, now: () => new Date().toISOString(), swedishDateOf: stockholmDateOf };
}
