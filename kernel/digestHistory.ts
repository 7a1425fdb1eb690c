/**
 * The signatures of the messages this kernel has accepted, to refuse a replayed one: a captured,
 * correctly signed execute_request sent again must not run again. jupyter_client's Session keeps the
 * same history ("Duplicate Signature"), bounded by `digest_history_size` (2**16) and culled at
 * random. Here the history lives in shared memory, because two threads receive messages (shell and
 * stdin in the main thread, control in the socket thread) and a message captured on one channel must
 * not be accepted once more on another.
 *
 * Layout: BUCKETS buckets of WAYS slots, each slot a 32-byte HMAC-SHA256 digest (all zero = empty),
 * plus one spin lock per bucket. A digest goes to the bucket its first bytes name (an HMAC under a
 * key the sender does not know cannot be steered into one bucket); a full bucket forgets one of its
 * digests chosen at random. So at most BUCKETS * WAYS = 65,536 digests are kept, as jupyter_client.
 */
import { randomInt } from 'node:crypto';

const DIGEST_BYTES = 32;
const BUCKETS = 4096;
const WAYS = 16;
export const DIGEST_HISTORY_SIZE = BUCKETS * WAYS;

export class DigestHistory {
  readonly shared: SharedArrayBuffer;
  private readonly slots: Uint8Array;
  private readonly locks: Int32Array;

  /** A new history, or a view of one another thread created (pass its `shared`). */
  constructor(shared?: SharedArrayBuffer) {
    this.shared = shared ?? new SharedArrayBuffer(BUCKETS * WAYS * DIGEST_BYTES + BUCKETS * 4);
    this.slots = new Uint8Array(this.shared, 0, BUCKETS * WAYS * DIGEST_BYTES);
    this.locks = new Int32Array(this.shared, BUCKETS * WAYS * DIGEST_BYTES, BUCKETS);
  }

  /**
   * Records the signature of a message just verified; false when it was already there (a replay).
   * `signature` is the hex signature frame. Signatures that are not 64 hex digits are never recorded
   * (only an empty key, which disables signing, produces them, and then nothing can be checked).
   */
  add(signature: Buffer | string): boolean {
    const hex = typeof signature === 'string' ? signature : signature.toString('latin1');
    if (!/^[0-9a-f]{64}$/i.test(hex)) return true;
    const digest = Buffer.from(hex, 'hex');
    if (digest.every((b) => b === 0)) return true; // the empty-slot marker; no HMAC in practice
    const bucket = digest.readUInt32BE(0) % BUCKETS;
    this.lock(bucket);
    try {
      const base = bucket * WAYS * DIGEST_BYTES;
      let free = -1;
      for (let way = 0; way < WAYS; way++) {
        const slot = this.slots.subarray(base + way * DIGEST_BYTES, base + (way + 1) * DIGEST_BYTES);
        if (digest.equals(slot)) return false;
        if (free < 0 && slot.every((b) => b === 0)) free = way;
      }
      const way = free >= 0 ? free : randomInt(WAYS);
      this.slots.set(digest, base + way * DIGEST_BYTES);
      return true;
    } finally {
      this.unlock(bucket);
    }
  }

  private lock(bucket: number): void {
    // Held for a few microseconds by at most two threads: spinning is cheaper than waiting.
    while (Atomics.compareExchange(this.locks, bucket, 0, 1) !== 0) {
      // spin
    }
  }

  private unlock(bucket: number): void {
    Atomics.store(this.locks, bucket, 0);
  }
}
