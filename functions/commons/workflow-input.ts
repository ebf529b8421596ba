import type { InboxUpload } from '../../shared/adapters/s3/s3-uploads.js';

/**
 * What an import execution carries from state to state: ids, the object's place, its size; never contents.
 * The starter builds it; every step receives `upload` and returns a small result kept beside it.
 */
export type WorkflowUpload = InboxUpload & { readonly bytes: number };

export interface StepInput {
  readonly upload: WorkflowUpload;
  /** The execution's name (`$$.Execution.Name`): the upload id, or a restart's `<id>-r<YYYYMMDD>`; for the logs. */
  readonly execution?: string;
}

/** The pipeline's view of the upload (the fields every use-case takes). */
export function pipelineUpload({ vendor, uploadId, file, completedAt }: WorkflowUpload) {
  return { vendor, uploadId, file, completedAt };
}
