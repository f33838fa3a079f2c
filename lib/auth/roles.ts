/**
 * What a share link lets its holder do, lowest to highest. The one place the roles and their order
 * are written: every comparison follows it. `comment` reads the text and writes comments only.
 * Pure and browser-safe.
 */
export const ROLES = ['view', 'comment', 'edit', 'owner'] as const;

export type Role = (typeof ROLES)[number];

/**
 * The roles a link made through the API may carry. `owner` is not among them: a document's owner
 * link is made with the document, and no request makes another.
 */
export const GRANTABLE_ROLES = ['view', 'comment', 'edit'] as const satisfies readonly Role[];

export type GrantableRole = (typeof GRANTABLE_ROLES)[number];

/** True when `role` may do everything `required` may. */
export function roleAtLeast(role: Role, required: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(required);
}

export function isGrantableRole(role: Role): role is GrantableRole {
  return (GRANTABLE_ROLES as readonly Role[]).includes(role);
}

/** The role a string names exactly, or null: no case folding, no trimming, nothing inherited. */
export function parseRole(text: unknown): Role | null {
  return (ROLES as readonly unknown[]).includes(text) ? (text as Role) : null;
}
