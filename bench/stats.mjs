// Percentiles, medians and markdown tables.
export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export function latencySummary(samplesMs) {
  const s = Float64Array.from(samplesMs).sort();
  return { count: s.length, p50: percentile(s, 50), p95: percentile(s, 95), p99: percentile(s, 99), max: s.length ? s[s.length - 1] : NaN };
}

export function median(values) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return NaN;
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
}

export function fmt(x, digits = 1) {
  if (x === undefined || x === null || (typeof x === 'number' && !Number.isFinite(x))) return '–';
  if (typeof x !== 'number') return String(x);
  return x.toFixed(digits);
}

/** "value (×ratio)" against the reference row's value. */
export function withRatio(value, ref, digits = 1) {
  if (!Number.isFinite(value)) return '–';
  if (!Number.isFinite(ref) || ref === 0) return fmt(value, digits);
  return `${fmt(value, digits)} (×${(value / ref).toFixed(2)})`;
}

export function markdownTable(headers, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Median of every numeric leaf over repeated runs; booleans AND-ed; missing summed (worst case kept). */
export function medianResult(list) {
  const ok = list.filter((r) => !r.error && !r.skipped);
  if (ok.length === 0) return list[0];
  if (ok.length === 1) return ok[0];
  const merge = (vals) => {
    const v = vals[0];
    if (typeof v === 'number') return median(vals);
    if (typeof v === 'boolean') return vals.every(Boolean);
    if (Array.isArray(v)) return v;
    if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).map((k) => [k, merge(vals.map((x) => x[k]))]));
    return v;
  };
  const out = merge(ok);
  if ('missing' in out) out.missing = Math.max(...ok.map((r) => r.missing));
  return out;
}
