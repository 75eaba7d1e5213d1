/** "Did you mean …?" for scope names: the known name a typo most likely meant. */

/**
 * The known name a typo most likely meant: one it is a truncation of (`gmail.read` →
 * `gmail.readonly`), else the closest by edit distance, at most a third of its length (min 2).
 */
export function nearestName(name: string, known: Iterable<string>): string | undefined {
  if (name === '') return undefined;
  let best: string | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const d = editDistance(name, candidate);
    if (d < bestScore) {
      best = candidate;
      bestScore = d;
    }
  }
  return bestScore <= Math.max(2, Math.ceil(name.length / 3)) ? best : undefined;
}

/** Edit distance from typo `a` to name `b`; a truncated name (`gmail.read` of `gmail.readonly`) counts as 1. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (b.startsWith(a)) return 1;
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}
