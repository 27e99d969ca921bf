/** Small helpers for batches of subjects (raw customer ids). */

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * An error message fit for the ledger and the logs: any subject id it quotes (a
 * backend may echo the SQL it ran) is replaced by "<subject>". Capped in length.
 */
export function redactSubjects(message: string, subjects: readonly string[], max = 500): string {
  let out = message;
  // Longest first, so an id that contains another is replaced whole.
  for (const id of [...subjects].sort((a, b) => b.length - a.length)) {
    if (id.length > 0) out = out.split(id).join('<subject>');
  }
  return out.length > max ? `${out.slice(0, max - 1)}…` : out;
}
