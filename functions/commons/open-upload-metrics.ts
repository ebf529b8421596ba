import type { OpenUploads } from '../../shared/core/queries/upload-status.js';
import { metrics } from './powertools.js';

/**
 * Open uploads and how long the oldest has waited, per vendor (`OpenUploads`, `OldestOpenUploadAgeSeconds` with
 * the vendor dimension: the dashboard) and the oldest over the vendors given (`OldestOpenUploadAgeSeconds` with
 * the service dimension only: the alarm, which cannot search over vendors). Emitted at once (single metrics), so
 * that a step's own vendor dimension does not land on them.
 */
export function publishOpenUploads(figures: readonly OpenUploads[]): void {
  let oldest = 0;
  for (const { vendor, open, oldestAgeSeconds = 0 } of figures) {
    const perVendor = metrics.singleMetric();
    perVendor.addDimension('vendor', vendor);
    perVendor.addMetric('OpenUploads', 'Count', open);
    const age = metrics.singleMetric();
    age.addDimension('vendor', vendor);
    age.addMetric('OldestOpenUploadAgeSeconds', 'Seconds', oldestAgeSeconds);
    oldest = Math.max(oldest, oldestAgeSeconds);
  }
  metrics.singleMetric().addMetric('OldestOpenUploadAgeSeconds', 'Seconds', oldest);
}
