/**
 * When a new share link ends, from the choice the share dialog offers: never, a number of days
 * from now, or the end of a chosen day in the person's own time zone (a link "until Friday" works
 * all of Friday where they are). Pure: the dialog gives the time.
 */
export const EXPIRY_DAYS = [1, 7, 30] as const;

export type ExpiryChoice =
  | { readonly kind: 'never' }
  | { readonly kind: 'days'; readonly days: (typeof EXPIRY_DAYS)[number] }
  /** `date` as an <input type="date"> gives it: YYYY-MM-DD. */
  | { readonly kind: 'date'; readonly date: string };

const DAY_MS = 86_400_000;

/** The ISO-8601 instant to send, null for never, or what is wrong with the choice. */
export function expiresAtFor(choice: ExpiryChoice, now: Date): { readonly expiresAt: string | null } | { readonly problem: string } {
  switch (choice.kind) {
    case 'never':
      return { expiresAt: null };
    case 'days':
      return { expiresAt: new Date(now.getTime() + choice.days * DAY_MS).toISOString() };
    case 'date': {
      const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(choice.date);
      if (match === null) return { problem: 'Pick the day the link should end.' };
      const [year, month, day] = match.slice(1).map(Number) as [number, number, number];
      const end = new Date(year, month - 1, day, 23, 59, 59);
      // new Date rolls an impossible day over (February 30th to March 2nd); refuse it instead.
      if (end.getFullYear() !== year || end.getMonth() !== month - 1 || end.getDate() !== day) return { problem: 'That day does not exist.' };
      if (end.getTime() <= now.getTime()) return { problem: 'Pick a day from today on.' };
      return { expiresAt: end.toISOString() };
    }
  }
}
