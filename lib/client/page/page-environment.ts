/**
 * What the client needs from the page around it: whether the device is online, and the window's
 * online/offline/pagehide/pageshow events. Injected so that tests can go offline without stubbing
 * globals, and so that nothing touches `window` during a server render.
 */
export interface PageEvents {
  addEventListener(type: string, listener: (event: Event) => void): void;
  removeEventListener(type: string, listener: (event: Event) => void): void;
}

export interface PageEnvironment {
  readonly events: PageEvents;
  /** The browser's own idea of connectivity; when it says offline, connecting is pointless. */
  isOnline(): boolean;
}

export function browserEnvironment(): PageEnvironment {
  return {
    events: window,
    isOnline: () => typeof navigator === 'undefined' || navigator.onLine !== false,
  };
}

/** Whether a pageshow event restores the page from the back-forward cache. */
export function isRestoredFromCache(event: Event): boolean {
  return 'persisted' in event && event.persisted === true;
}
