'use client';

import { useEffect, type RefObject } from 'react';

/**
 * Publishes the sticky header's height as the CSS variable --header-height, for what sits under
 * it (the sticky toolbar, the History panel): the header wraps onto a second row on narrow screens,
 * and a fixed offset would then slide them under it.
 */
export function useHeaderHeight(header: RefObject<HTMLElement | null>): void {
  useEffect(() => {
    const element = header.current;
    if (!element || typeof ResizeObserver === 'undefined') return;
    const root = document.documentElement;
    const publish = () => root.style.setProperty('--header-height', `${element.getBoundingClientRect().height}px`);
    const observer = new ResizeObserver(publish);
    observer.observe(element);
    publish();
    return () => {
      observer.disconnect();
      root.style.removeProperty('--header-height');
    };
  }, [header]);
}
