// Installs local mode's guard (dist/, built by `npm test`'s pretest), then, as argv[2] says, loses a socket's peer
// with no 'error' listener on it ("peer") or throws a plain error ("bug"); prints "alive" if it is still running.
import { Buffer } from 'node:buffer';
import { createServer, connect } from 'node:net';
import { setTimeout } from 'node:timers';
import { surviveGonePeers } from '../../dist/shared/local/gone-peers.js';

surviveGonePeers((event) => process.stdout.write(`${JSON.stringify(event)}\n`));
if (process.argv[2] === 'bug')
  setTimeout(() => {
    throw new Error('a bug');
  }, 10);
else {
  const server = createServer((socket) => socket.destroy());
  server.listen(0, '127.0.0.1', () => {
    const socket = connect(server.address().port, '127.0.0.1');
    const chunk = Buffer.alloc(1024 * 1024);
    socket.on('connect', () => {
      for (let i = 0; i < 64; i++) socket.write(chunk);
    });
    socket.on('close', () => server.close());
  });
}
setTimeout(() => process.stdout.write('alive\n'), 1_000);
