import type { FallbackMemory } from '../../lib/client/transport/fallback-transport';

/** The page's memory of needing the HTTP fallback, in a field the test reads. */
export class TestFallbackMemory implements FallbackMemory {
  until = 0;

  needsFallback(now: number): boolean {
    return this.until > now;
  }

  remember(until: number): void {
    this.until = until;
  }

  forget(): void {
    this.until = 0;
  }
}
