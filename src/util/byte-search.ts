/**
 * Which of many byte patterns occur in a buffer, in one pass over it: Aho-Corasick
 * compiled to a table (one lookup per byte), the alphabet reduced to the bytes the
 * patterns use (every other byte sends the automaton back to its start). With only
 * a few patterns, Buffer.indexOf per pattern (native) is faster and is used instead.
 *
 * Matching is by plain substring: a pattern is found wherever its bytes occur.
 */
const FEW = 4;

export class ByteSearch {
  readonly patterns: readonly Buffer[];
  /** Longest pattern, in bytes: a caller feeding chunks overlaps them by longest - 1. */
  readonly longest: number;
  private readonly classes = new Uint16Array(256);
  private width = 1;
  private delta: Int32Array | undefined;
  /** Per state: the first pattern ending there, or -1 (equal patterns: see `same`). */
  private terminal: Int32Array | undefined;
  /** Per pattern: the next pattern equal to it, or -1. */
  private same: Int32Array | undefined;
  /** Per state: the next state on its failure chain where a pattern ends, or -1. */
  private outputLink: Int32Array | undefined;

  constructor(patterns: readonly Buffer[]) {
    if (patterns.some((p) => p.length === 0)) throw new RangeError('byte search: empty pattern');
    this.patterns = patterns;
    this.longest = patterns.reduce((max, p) => Math.max(max, p.length), 0);
    if (patterns.length > FEW) this.compile();
  }

  /**
   * Adds to `found` the index of every pattern that occurs in `bytes`, skipping those
   * already in it; stops early once all are found.
   */
  search(bytes: Uint8Array, found: Set<number>): void {
    if (found.size === this.patterns.length) return;
    if (!this.delta) {
      const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      this.patterns.forEach((p, i) => {
        if (!found.has(i) && buffer.indexOf(p) >= 0) found.add(i);
      });
      return;
    }
    const { classes, width } = this;
    const delta = this.delta;
    const terminal = this.terminal!;
    const outputLink = this.outputLink!;
    const same = this.same!;
    // `row` is the current state's offset in the table; a negative entry leads to a state where patterns end.
    let row = 0;
    for (let i = 0; i < bytes.length; i++) {
      row = delta[row + classes[bytes[i]!]!]!;
      if (row < 0) {
        row = -row;
        const state = row / width;
        for (let s = terminal[state]! >= 0 ? state : outputLink[state]!; s >= 0; s = outputLink[s]!) {
          for (let p = terminal[s]!; p >= 0; p = same[p]!) found.add(p);
        }
        if (found.size === this.patterns.length) return;
      }
    }
  }

  private compile(): void {
    // Byte classes: 0 for bytes no pattern uses.
    for (const p of this.patterns) for (const b of p) if (this.classes[b] === 0) this.classes[b] = this.width++;
    const width = this.width;
    // Trie.
    const goto: number[][] = [new Array<number>(width).fill(-1)];
    const terminal: number[] = [-1];
    const same = new Int32Array(this.patterns.length).fill(-1);
    this.patterns.forEach((p, index) => {
      let state = 0;
      for (const b of p) {
        const c = this.classes[b]!;
        if (goto[state]![c] === -1) {
          goto[state]![c] = goto.length;
          goto.push(new Array<number>(width).fill(-1));
          terminal.push(-1);
        }
        state = goto[state]![c]!;
      }
      if (terminal[state] === -1) terminal[state] = index;
      else {
        let last = terminal[state]!;
        while (same[last]! >= 0) last = same[last]!;
        same[last] = index;
      }
    });
    // Breadth first: failure links, output links, and the full transition table.
    const states = goto.length;
    const delta = new Int32Array(states * width);
    const fail = new Int32Array(states);
    const outputLink = new Int32Array(states).fill(-1);
    const queue: number[] = [];
    for (let c = 0; c < width; c++) {
      const next = goto[0]![c]!;
      if (next === -1) delta[c] = 0;
      else {
        delta[c] = next;
        fail[next] = 0;
        queue.push(next);
      }
    }
    for (let head = 0; head < queue.length; head++) {
      const state = queue[head]!;
      const f = fail[state]!;
      outputLink[state] = terminal[f]! >= 0 ? f : outputLink[f]!;
      for (let c = 0; c < width; c++) {
        const next = goto[state]![c]!;
        if (next === -1) delta[state * width + c] = delta[f * width + c]!;
        else {
          delta[state * width + c] = next;
          fail[next] = delta[f * width + c]!;
          queue.push(next);
        }
      }
    }
    // Entries as row offsets of the target state, negative where a pattern ends there (never the start state).
    for (let i = 0; i < delta.length; i++) {
      const target = delta[i]!;
      delta[i] = terminal[target]! >= 0 || outputLink[target]! >= 0 ? -(target * width) : target * width;
    }
    this.delta = delta;
    this.terminal = Int32Array.from(terminal);
    this.outputLink = outputLink;
    this.same = same;
  }
}
