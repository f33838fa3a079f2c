/**
 * The body of `POST /docs/<id>/links` (a new share link), read into what the link store needs, or
 * the reason it is refused (the route answers 400 with it). Pure: the route parses the JSON and
 * gives the clock's time.
 *
 *   { "role": "view" | "edit", "name"?: string | null, "expiresAt"?: ISO-8601 string | null }
 *
 * A field it does not know is refused rather than ignored: the route has no older clients to stay
 * lenient for, and a misspelt field ("expires_at") ignored would make a link that never expires,
 * which its maker would not notice until it mattered.
 */
import { GRANTABLE_ROLES, isGrantableRole, parseRole, type GrantableRole } from '../../lib/auth/roles';

export const MAX_LINK_NAME_LENGTH = 200;

const FIELDS = ['role', 'name', 'expiresAt'];

export interface LinkRequest {
  readonly role: GrantableRole;
  /** Trimmed; null when none was given, or only white space. */
  readonly name: string | null;
  /** Unix milliseconds, a whole second (what a token carries); null for never. */
  readonly expiresAt: number | null;
}

export type LinkRequestRefusal = { readonly refused: string };

export function linkRequestFromBody(body: unknown, nowMs: number): LinkRequest | LinkRequestRefusal {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { refused: 'send a JSON object such as {"role": "view"}' };
  }
  const unknown = Object.keys(body).filter((field) => !FIELDS.includes(field));
  if (unknown.length > 0) {
    return { refused: `unknown field ${unknown.map((field) => JSON.stringify(field)).join(', ')}: a link takes ${FIELDS.join(', ')}` };
  }
  const { role: rawRole, name: rawName, expiresAt: rawExpiresAt } = body as Record<string, unknown>;
  const role = parseRole(rawRole);
  if (role === 'owner') return { refused: 'a link cannot make its holder an owner: role is view or edit' };
  if (role === null || !isGrantableRole(role)) return { refused: `role is ${GRANTABLE_ROLES.join(' or ')}` };
  const name = linkName(rawName);
  if (isRefusal(name)) return name;
  const expiresAt = linkExpiry(rawExpiresAt, nowMs);
  if (isRefusal(expiresAt)) return expiresAt;
  return { role, name, expiresAt };
}

function isRefusal(value: unknown): value is LinkRequestRefusal {
  return typeof value === 'object' && value !== null && 'refused' in value;
}

function linkName(name: unknown): string | null | LinkRequestRefusal {
  if (name === undefined || name === null) return null;
  if (typeof name !== 'string') return { refused: 'name is a string' };
  if (name.length > MAX_LINK_NAME_LENGTH) return { refused: `a link name has at most ${MAX_LINK_NAME_LENGTH} characters` };
  const trimmed = name.trim();
  return trimmed === '' ? null : trimmed;
}

function linkExpiry(expiresAt: unknown, nowMs: number): number | null | LinkRequestRefusal {
  if (expiresAt === undefined || expiresAt === null) return null;
  const instant = typeof expiresAt === 'string' ? parseIsoInstant(expiresAt) : null;
  if (instant === null) {
    return { refused: 'expiresAt is an ISO-8601 date and time with its time zone, such as 2027-01-31T18:00:00Z' };
  }
  // Down to the second the token carries, so the record and its token end at the same instant;
  // never later than asked.
  const wholeSecond = Math.floor(instant / 1000) * 1000;
  if (wholeSecond <= nowMs) return { refused: 'expiresAt is in the past' };
  return wholeSecond;
}

const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|([+-])(\d{2}):(\d{2}))$/;

/**
 * Unix milliseconds of an ISO-8601 date and time with a zone, or null. Date.parse alone would take
 * other shapes ("next Tuesday" on some engines, a time without a zone as local time) and roll an
 * impossible date over (February 30th to March 2nd), so each field is checked.
 */
function parseIsoInstant(text: string): number | null {
  const match = ISO_INSTANT.exec(text);
  if (match === null) return null;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map((field) => Number(field ?? 0)) as [number, number, number, number, number, number];
  const fraction = match[7] === undefined ? 0 : Math.floor(Number(match[7]) * 1000);
  const offsetHours = Number(match[10] ?? 0);
  const offsetMinutes = Number(match[11] ?? 0);
  if (hour > 23 || minute > 59 || second > 59 || offsetHours > 23 || offsetMinutes > 59) return null;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  const offset = (match[9] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000;
  return date.getTime() + ((hour * 60 + minute) * 60 + second) * 1000 + fraction - offset;
}
