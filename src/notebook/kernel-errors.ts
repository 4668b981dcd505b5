/**
 * How a failed tslab cell's error is read back from what the kernel printed. tslab reports a failed
 * cell only by printing to stderr: a thrown error's stack (`Name: message` then `    at ...` lines,
 * after Node's "file:line / code / caret" header when it has one), or TypeScript diagnostics
 * (`line:col - message`). Used by the Node runner's client (kernel-client.ts) and inside the kernel
 * by the kit's patch that sends Jupyter clients a proper `error` message (tslab-kernel.ts).
 */

export interface KernelError {
  ename: string;
  evalue: string;
  traceback: string[];
}

const ERROR_HEAD = /^(?:unexpected error: )?((?:[A-Za-z_$][\w$]*)(?: \[[\w-]+\])?): (.*)$/;
const DIAGNOSTIC = /^(?:\S+ )?\d+:\d+ - (.*)$/;

/**
 * The error at the end of `text` (a cell's stderr), and the text printed before it; null when
 * the text is empty.
 */
export function parseErrorText(text: string): { error: KernelError; before: string } | null {
  const lines = text.replace(/\n$/, "").split("\n");
  if (text.trim() === "") return null;
  let start = -1;
  let error: KernelError | null = null;
  // A thrown error: the last `Name: message` line followed by stack lines.
  for (let i = lines.length - 1; i >= 0 && !error; i--) {
    const m = ERROR_HEAD.exec(lines[i]);
    if (m && lines.slice(i + 1).some((l) => /^\s+at /.test(l))) {
      const msgLines = [m[2]];
      for (let j = i + 1; j < lines.length && !/^\s+at /.test(lines[j]); j++) msgLines.push(lines[j]);
      // Node prints the failing source line first: "file:line", the code, a caret line, a blank.
      start = i;
      let k = i;
      while (k > 0 && lines[k - 1].trim() === "") k--;
      if (k >= 3 && /^\s*\^+\s*$/.test(lines[k - 1]) && /:\d+$/.test(lines[k - 3])) start = k - 3;
      // Drop the frames of the kernel's own machinery (vm, tslab) under the cell's frames.
      const trace = lines.slice(start).map((l) => l.replace(/^unexpected error: /, ""));
      const cut = trace.findIndex((l) => /^\s+at /.test(l) && /node:vm:|sigintHandlersWrap|[\\/]tslab[\\/]dist[\\/]/.test(l));
      error = { ename: m[1], evalue: msgLines.join("\n"), traceback: cut > 0 ? trace.slice(0, cut) : trace };
    }
  }
  // TypeScript diagnostics: the trailing run of `line:col - message` lines.
  if (!error && DIAGNOSTIC.test(lines[lines.length - 1])) {
    start = lines.length - 1;
    while (start > 0 && DIAGNOSTIC.test(lines[start - 1])) start--;
    const diags = lines.slice(start);
    error = { ename: "TypeScriptError", evalue: diags.join("\n"), traceback: diags };
  }
  if (!error) {
    // Something else (e.g. `throw "text"`): the last line printed.
    start = lines.length - 1;
    error = { ename: "Error", evalue: lines[start], traceback: [lines[start]] };
  }
  const before = lines.slice(0, start).join("\n");
  return { error, before: before.trim() === "" ? "" : `${before}\n` };
}

const words = (s: string) => new Set(s.match(/[A-Za-z_$][\w$]*|\d+|'[^']*'|"[^"]*"|`[^`]*`/g) ?? []);

/**
 * The line of the cell's own source (1-based) that a line of tslab's compiled JavaScript comes
 * from: the same text if there is one, else the line sharing the most words with it (the compiled
 * line lacks type annotations). null when nothing is alike.
 */
export function sourceLineOf(jsLine: string, source: string): number | null {
  const target = jsLine.trim();
  if (!target) return null;
  const lines = source.split("\n");
  const exact = lines.findIndex((l) => l.trim() === target);
  if (exact >= 0) return exact + 1;
  const want = words(target);
  if (want.size === 0) return null;
  let best = -1;
  let bestScore = 0;
  lines.forEach((l, i) => {
    const have = words(l);
    let n = 0;
    for (const w of want) if (have.has(w)) n++;
    const score = n / want.size;
    if (score > bestScore) [best, bestScore] = [i, score];
  });
  return bestScore >= 0.6 ? best + 1 : null;
}

/**
 * The cell line where the error happened: from the first stack frame inside the cell
 * (`evalmachine.<anonymous>:LINE:COL`, LINE in tslab's compiled code `compiled`), mapped back to
 * the cell's `source`. Returns e.g. "cell line 6: throw new RangeError(...)" or null.
 */
export function userCodeLine(error: KernelError, source: string, compiled: string | null): string | null {
  let jsText: string | null = null;
  // Node's header names the failing line and prints it: "evalmachine.<anonymous>:8", the code.
  const header = error.traceback.findIndex((l) => /^evalmachine\.<anonymous>:\d+$/.test(l));
  if (header >= 0 && error.traceback[header + 1] !== undefined) jsText = error.traceback[header + 1];
  if (jsText === null && compiled) {
    const frame = error.traceback.map((l) => /evalmachine\.<anonymous>:(\d+):\d+/.exec(l)).find((m) => m);
    if (frame) jsText = compiled.split("\n")[Number(frame[1]) - 1] ?? null;
  }
  if (jsText === null) return null;
  // The first compiled line carries tslab's wrapper prefix.
  jsText = jsText.replace(/^\(async function\(exports, require\) \{ |^\(function\(exports, require\) \{ /, "");
  const n = sourceLineOf(jsText, source);
  if (n === null) return null;
  return `cell line ${n}: ${source.split("\n")[n - 1].trim()}`;
}
