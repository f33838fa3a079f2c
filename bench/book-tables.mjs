// Scenario (k)'s tables, each figure next to its target from issue 22 (a book).
import { SERVERS } from './servers.mjs';
import { fmt, markdownTable, median } from './stats.mjs';

export const BOOK_TARGETS = { coldLoadMs: 1000, wholeBookMs: 3000, keystrokeP95Ms: 50 };

const verdict = (value, target) => (Number.isFinite(value) ? (value < target ? 'met' : 'NOT met') : '–');
const mb = (bytes) => (bytes / 1e6).toFixed(2);

export function bookTables({ book, results }, serverNames) {
  const parts = [
    `Document: ${book.paragraphs.toLocaleString('en')} paragraphs, ${book.chars.toLocaleString('en')} characters (TipTap body: XmlFragment \`content\`), ${book.edits.toLocaleString('en')} edits by one stock Yjs client sent as ${book.updatesSent.toLocaleString('en')} updates; ${mb(book.encodedBytes)} MB encoded (v1), ${mb(book.encodedV2Bytes)} MB (v2).`,
  ];
  const label = (n) => SERVERS[n].label;
  const rows = serverNames.filter((n) => results[n]).map((n) => {
    const r = results[n];
    if (r.skipped) return [label(n), `n/a (${r.skipped})`, '', '', '', '', '', ''];
    if (!r.coldLoadMs) return [label(n), `error: ${r.error}`, '', '', '', '', '', ''];
    const m = median(r.coldLoadMs);
    return [label(n), fmt(m, 0), `< ${BOOK_TARGETS.coldLoadMs}: ${verdict(m, BOOK_TARGETS.coldLoadMs)}`, r.coldLoadMs.map((x) => x.toFixed(0)).join(', '), fmt(r.rssLoadedMb), fmt(r.peakRssMb), mb(r.diskBytes), fmt(r.uploadMs / 1000, 1)];
  });
  parts.push(markdownTable(['server', 'cold load ms (median)', 'target', 'runs ms', 'RSS with the book loaded MB', 'peak RSS MB', 'on disk MB', 'upload s'], rows));

  const pageRows = [];
  const historyRows = [];
  for (const n of serverNames) {
    const r = results[n];
    if (!r || r.skipped) continue;
    const p = r.page;
    if (n !== 'tandem') {
      pageRows.push([label(n), 'n/a: no page (Tandem\'s web app speaks to Tandem\'s server only)', '', '', '', '', '', '']);
      historyRows.push([label(n), 'n/a: no version history or export API', '', '', '', '', '']);
      continue;
    }
    if (!p) {
      pageRows.push([label(n), r.error ? `error: ${r.error}` : 'not run', '', '', '', '', '']);
      continue;
    }
    if (p.error) pageRows.push([label(n), `error: ${p.error}`, '', '', '', '', '']);
    if (!p.keystroke) {
      if (!p.error) pageRows.push([label(n), 'not run', '', '', '', '', '']);
      continue;
    }
    const k = p.keystroke;
    pageRows.push([
      label(n),
      `${fmt(p.wholeBookColdMs, 0)} (${verdict(p.wholeBookColdMs, BOOK_TARGETS.wholeBookMs)} < ${BOOK_TARGETS.wholeBookMs})`,
      fmt(p.firstParagraphMs, 0),
      fmt(p.wholeBookWarmMs, 0),
      `${fmt(k.p50)} / ${fmt(k.p95)} / ${fmt(k.max)} (n = ${k.count}${p.keystrokesStoppedAt ? `; stopped: ${p.keystrokesStoppedAt}` : ''})`,
      `${verdict(k.p95, BOOK_TARGETS.keystrokeP95Ms)} (p95 < ${BOOK_TARGETS.keystrokeP95Ms})`,
      p.keystrokeAlone ? `${fmt(p.keystrokeAlone.p50)} / ${fmt(p.keystrokeAlone.p95)} / ${fmt(p.keystrokeAlone.max)} (n = ${p.keystrokeAlone.count}${p.keystrokesAloneStoppedAt ? `; stopped: ${p.keystrokesAloneStoppedAt}` : ''})` : '–',
      `${p.typistKeys} keys; converged ${p.converged ? 'yes' : 'NO'}; server RSS with the page ${fmt(p.rssWithPageMb)} MB, peak ${fmt(p.peakRssMb)} MB`,
    ]);
    historyRows.push([
      label(n),
      `${fmt(p.listVersionsMs, 0)} (${p.versionsBefore} versions); after: ${fmt(p.listVersionsAfterMs, 0)} (${p.versionsAfter})`,
      fmt(p.nameVersionMs, 0),
      fmt(p.restoreMs, 0),
      fmt(p.restoreInPageMs, 0),
      fmt(p.exportMarkdownMs, 0),
      `${mb(p.markdownBytes)} MB; last paragraph in it: ${p.markdownHoldsLastParagraph ? 'yes' : 'NO'}`,
    ]);
  }
  if (pageRows.length) {
    parts.push('Chromium (the production web app, a fresh profile), ms after navigation on the page\'s clock; keystroke: keydown to the frame that shows it, while a stock client types 5 keys/s in the same document:');
    parts.push(markdownTable(['server', 'whole book on screen, cold server', 'first paragraph', 'whole book, warm server', 'keystroke p50 / p95 / max ms, other person typing', 'keystroke target', 'keystroke p50 / p95 / max ms, alone', 'other person; server'], pageRows));
  }
  if (historyRows.length) {
    parts.push('Version history on the book (document API, `AUTH=off`, the page still open), ms:');
    parts.push(markdownTable(['server', 'list versions', 'name a version', 'restore it', 'restore on the page', 'Markdown export', 'export'], historyRows));
  }
  return parts.join('\n\n');
}

/** Whether any check of correctness failed (not the speed targets: those are figures). */
export function bookFailed({ results }) {
  return Object.values(results).some((r) => r.error || (r.page && (r.page.error || !r.page.converged || !r.page.markdownHoldsLastParagraph)));
}
