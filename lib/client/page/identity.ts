/**
 * Who this browser is in presence lists: a name and a colour, remembered locally. The default is a
 * friendly random animal so two fresh tabs are told apart without any setup.
 */
export interface Identity {
  readonly name: string;
  readonly color: string;
}

export const IDENTITY_KEY = 'tandem:identity';
export const MAX_NAME_LENGTH = 40;

// Dark enough for white label text, distinct from each other.
export const PALETTE = ['#d9480f', '#2b8a3e', '#1971c2', '#9c36b5', '#c2255c', '#0c8599', '#e67700', '#5f3dc4'] as const;

const ANIMALS = ['Otter', 'Heron', 'Fox', 'Badger', 'Lynx', 'Puffin', 'Marten', 'Ibex', 'Wren', 'Gecko'] as const;

function pick<T>(items: readonly T[], random: () => number): T {
  const item = items[Math.floor(random() * items.length) % items.length];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
}

export function defaultIdentity(random: () => number = Math.random): Identity {
  return { name: `${pick(ANIMALS, random)} ${Math.floor(random() * 90) + 10}`, color: pick(PALETTE, random) };
}

export function normalizeName(name: string): string {
  return name.replace(/\s+/g, ' ').trim().slice(0, MAX_NAME_LENGTH);
}

export function isColor(value: unknown): value is string {
  return typeof value === 'string' && /^#[0-9a-f]{6}$/i.test(value);
}

export function parseIdentity(raw: string | null): Identity | null {
  if (!raw) return null;
  try {
    const parsed: unknown = JSON.parse(raw);
    if (typeof parsed !== 'object' || parsed === null) return null;
    const { name, color } = parsed as Record<string, unknown>;
    if (typeof name !== 'string' || !isColor(color)) return null;
    const normalized = normalizeName(name);
    return normalized ? { name: normalized, color } : null;
  } catch {
    return null;
  }
}

export function loadIdentity(storage: Storage): Identity {
  let stored: Identity | null = null;
  try {
    stored = parseIdentity(storage.getItem(IDENTITY_KEY));
  } catch {
    stored = null;
  }
  if (stored) return stored;
  const fresh = defaultIdentity();
  storeIdentity(storage, fresh);
  return fresh;
}

export function storeIdentity(storage: Storage, identity: Identity): void {
  try {
    storage.setItem(IDENTITY_KEY, JSON.stringify(identity));
  } catch {
    // Not remembering the name is a small loss; failing the page would be a large one.
  }
}
