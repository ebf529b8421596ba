import { createHmac } from 'node:crypto';
import type { IdentityHasher } from '../../core/pipeline/ports.js';

/**
 * HMAC-SHA-256 with a secret key from configuration: the register looks persons up by the keyed hash of their
 * personnummer (or e-mail, or member number), so the table holds no index of the numbers themselves, and a
 * copy of the table without the key cannot be searched for a known number.
 */
export class HmacHasher implements IdentityHasher {
  private readonly key: Buffer;

  constructor(key: string | Buffer) {
    this.key = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
    if (this.key.length < 32) throw new Error('the identity hash key must be at least 32 bytes');
  }

  hash(text: string): string {
    return createHmac('sha256', this.key).update(text, 'utf8').digest('hex');
  }
}
