/**
 * What the documentation tests read from a Markdown file: the relative links it makes and the
 * anchors its headings get. Anchors follow GitHub's rule (lower case, punctuation dropped, spaces
 * to hyphens, a repeated heading numbered), since that is where the pages are read.
 */

export interface MarkdownLink {
  /** The path part, '' for a link within the same file. */
  readonly path: string;
  /** The fragment without '#', or null. */
  readonly anchor: string | null;
}

/** Code is not prose: a link-like text inside a fence or a code span is not a link. */
function withoutCode(markdown: string): string {
  return markdown.replace(/^```[^\n]*\n[\s\S]*?^```$/gm, '').replace(/`[^`\n]*`/g, '');
}

export function relativeLinks(markdown: string): MarkdownLink[] {
  const links: MarkdownLink[] = [];
  for (const match of withoutCode(markdown).matchAll(/\]\(([^)\s]+)\)/g)) {
    const target = match[1] ?? '';
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:: not a file here
    const hash = target.indexOf('#');
    links.push(hash === -1 ? { path: target, anchor: null } : { path: target.slice(0, hash), anchor: target.slice(hash + 1) });
  }
  return links;
}

export function headingAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\- _]/gu, '')
    .replace(/ /g, '-');
}

export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let inFence = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) inFence = !inFence;
    const heading = inFence ? null : /^#{1,6} (.*)$/.exec(line);
    if (heading === null) continue;
    const anchor = headingAnchor(heading[1] ?? '');
    const count = seen.get(anchor) ?? 0;
    seen.set(anchor, count + 1);
    anchors.add(count === 0 ? anchor : `${anchor}-${count}`);
  }
  return anchors;
}
