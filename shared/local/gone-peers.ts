/**
 * What a write or read to a peer that has gone fails with: the peer closed the connection (a client that hung up,
 * DynamoDB Local refusing a request too large for it and closing the socket under the write).
 */
const GONE_PEER_CODES: readonly string[] = ['EPIPE', 'ECONNRESET'];

/** A socket error that is the peer's going, not a fault of this process. */
export function isGonePeer(error: unknown): boolean {
  const { code, syscall } = (error ?? {}) as NodeJS.ErrnoException;
  return (
    code !== undefined &&
    GONE_PEER_CODES.includes(code) &&
    (syscall === undefined || syscall === 'write' || syscall === 'read')
  );
}

/**
 * Keeps local mode's process serving every vendor when a socket whose 'error' nobody listens to loses its peer:
 * an unhandled `write EPIPE` ended the process, and with it every vendor's endpoint (issue 15). The request that
 * socket carried fails on its own (its upload is logged with a code and left to the nightly job); the event is
 * logged by code. Any other uncaught error ends the process as Node would. Returns what uninstalls it.
 */
export function surviveGonePeers(log: (event: Record<string, unknown>) => void): () => void {
  const handler = (error: Error): void => {
    if (isGonePeer(error)) {
      const { code, syscall } = error as NodeJS.ErrnoException;
      log({ event: 'peer-gone', code, syscall: syscall ?? null });
      return;
    }
    process.off('uncaughtException', handler);
    // Thrown again with no handler left: Node prints it and exits, as it would have without this one.
    process.nextTick(() => {
      throw error;
    });
  };
  process.on('uncaughtException', handler);
  return () => process.off('uncaughtException', handler);
}
