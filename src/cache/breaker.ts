/**
 * After a cache failure, reads skip the cache for `openMs` and go straight to the
 * backend: a Redis that is down or slow costs one failed command, not one per read.
 * The first read after the window tries the cache again, so caching resumes by itself.
 */
export class CacheBreaker {
  private openUntil = 0;

  constructor(
    private readonly openMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  isOpen(): boolean {
    return this.now() < this.openUntil;
  }

  trip(): void {
    if (this.openMs > 0) this.openUntil = this.now() + this.openMs;
  }
}
