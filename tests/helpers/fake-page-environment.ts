import type { PageEnvironment } from '../../lib/client/page/page-environment';

/** A page whose network a test switches off and on, with the events a browser would fire. */
export class FakePageEnvironment implements PageEnvironment {
  readonly events = new EventTarget();
  online = true;

  isOnline(): boolean {
    return this.online;
  }

  goOffline(): void {
    this.online = false;
    this.events.dispatchEvent(new Event('offline'));
  }

  goOnline(): void {
    this.online = true;
    this.events.dispatchEvent(new Event('online'));
  }

  hidePage(): void {
    this.events.dispatchEvent(new Event('pagehide'));
  }

  /** `fromCache`: the page comes back from the back-forward cache, as after Back. */
  showPage(fromCache: boolean): void {
    this.events.dispatchEvent(Object.assign(new Event('pageshow'), { persisted: fromCache }));
  }
}
