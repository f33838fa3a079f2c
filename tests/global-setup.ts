/** Runs once before the test files: they may run in parallel, and two `next build`s at once collide. */
import { buildWebAppIfStale } from './helpers/web-build';

export default function setup(): void {
  buildWebAppIfStale();
}
