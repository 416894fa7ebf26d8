import fc from 'fast-check';
import type { Outcome } from './client.js';

const clip = (s: string, n = 600): string => (s.length > n ? `${s.slice(0, n)}… (${s.length} chars)` : s);

/**
 * Keeps the smallest failing exchange a property met, so a failure reads as one request and one
 * answer (clipped) rather than fast-check's dump of a whole batch of megabyte bodies.
 */
export class Failures {
  first: string | undefined;
  count = 0;

  check(c: { body: string | Buffer; family: string }, o: Outcome, oracle: () => void): void {
    try {
      oracle();
    } catch (err) {
      this.count++;
      const text = Buffer.from(c.body).toString('utf8');
      const answer = o.kind === 'reply' ? `${o.status} ${clip(o.text, 300)}` : JSON.stringify(o);
      const report = `${(err as Error).message}\n  family: ${c.family}\n  sent: ${clip(text)}\n  got: ${answer}`;
      if (this.first === undefined || text.length < this.first.length) this.first = report;
      throw err;
    }
  }

  /** fc.assert with the seed from KC_FUZZ_SEED, rethrowing with the smallest failing exchange. */
  async assert<T>(property: fc.IAsyncProperty<T>, numRuns: number): Promise<void> {
    const seed = process.env.KC_FUZZ_SEED === undefined ? undefined : Number(process.env.KC_FUZZ_SEED);
    try {
      await fc.assert(property, { numRuns, seed, endOnFailure: false, maxSkipsPerRun: 0 });
    } catch (err) {
      const head = ((err as Error).message.match(/\{ seed: [^,]+/) ?? ['?'])[0];
      throw new Error(
        `${head} } — ${this.count} failing exchange(s); the smallest:\n${this.first ?? (err as Error).message}`,
      );
    }
  }
}
