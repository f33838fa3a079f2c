import type { BlockDiff, DiffSegment, TextBlock } from '@/lib/client/history/version-diff';

/**
 * A version as the preview shows it: its blocks in their document styles, with what restoring it
 * would bring back marked as inserted and what it would remove struck out.
 */
export function VersionDiffView({ blocks }: { blocks: readonly BlockDiff[] }) {
  if (blocks.length === 0) return <p className="muted">This version is empty.</p>;
  return (
    <div className="version-doc" data-testid="version-content">
      {blocks.map((diff, index) => (
        <DiffBlock key={index} diff={diff} />
      ))}
    </div>
  );
}

function DiffBlock({ diff }: { diff: BlockDiff }) {
  const { block } = diff;
  const className = `version-block version-block--${styleClass(block)}${block.quoted ? ' version-block--quoted' : ''}`;
  return (
    <div className={className} data-change={diff.change} style={block.depth > 0 ? { paddingLeft: `${block.depth * 1.4}rem` } : undefined}>
      {block.marker !== null ? <span className="version-block__marker" aria-hidden="true">{block.marker}</span> : null}
      {block.style === 'rule' ? <hr /> : diff.segments.map((segment, index) => <Segment key={index} segment={segment} />)}
    </div>
  );
}

function Segment({ segment }: { segment: DiffSegment }) {
  if (segment.side === 'version') return <ins className="diff diff--version">{segment.text}</ins>;
  if (segment.side === 'current') return <del className="diff diff--current">{segment.text}</del>;
  return <>{segment.text}</>;
}

function styleClass(block: TextBlock): string {
  return block.style === 'heading' ? `heading-${Math.min(block.level, 3)}` : block.style;
}

/** What the two highlights mean, in the words of what a restore does. */
export function DiffLegend() {
  return (
    <p className="diff-legend" data-testid="diff-legend">
      Restoring brings back <ins className="diff diff--version">highlighted text</ins> and removes{' '}
      <del className="diff diff--current">struck-out text</del>.
    </p>
  );
}
