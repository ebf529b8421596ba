/** The smoke test failed: the deployment did not do what it should (exit code 1, the message on standard error). */
export class SmokeFailed extends Error {
  override readonly name = 'SmokeFailed';
}
