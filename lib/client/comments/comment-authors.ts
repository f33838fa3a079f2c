/**
 * Who wrote a comment, as presence knows people: a name, a colour and the link they came through.
 * "My comment" is a best guess, as presence is: the same name, colour and link as this page's.
 */
import type { Identity } from '../page/identity';

export interface AuthorLike {
  readonly name: string;
  readonly color: string;
  readonly link?: string;
}

export function commentAuthor(identity: Identity, linkId: string | null): AuthorLike {
  return { name: identity.name, color: identity.color, ...(linkId !== null ? { link: linkId } : {}) };
}

export function isOwnComment(author: AuthorLike, identity: Identity, linkId: string | null): boolean {
  return author.name === identity.name && author.color === identity.color && (author.link ?? null) === linkId;
}
