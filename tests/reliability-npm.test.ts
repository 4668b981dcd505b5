/**
 * Issue 17 ("Reliability II"), end to end through `npm run`, as users run the CLIs: signals sent to
 * the process group as a terminal does (and to npm alone, and through `timeout`), checkpoint writes
 * on a full and a nearly full disk (a small tmpfs, where this test may mount one), the output
 * folder's lock, resume checks and exactness, data files judged by content, and the errors that
 * must come before training as one `error:` line.
 */
import { after, test } from "node:test";
import * as assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { PNG } from "pngjs";
import { readCheckpoint } from "../src/train/checkpoint";
import { alive, gone, killAllRuns, npmRun, root, trackGroup } from "./npm-run";
import { tempDir } from "./tmp";

after(killAllRuns); // a failing test leaves no training running

const tmp = (prefix: string) => tempDir(`${prefix}-`);
// Options given twice: the last one counts (node's parseArgs), so `more` can override these.
const gan = (out: string, steps: number, more: string[] = []) => ["--model", "gan", "--data", "ring8", "--steps", String(steps), "--batch-size", "32", "--checkpoint-every", "0", "--out", out, ...more];

/** `npm run --silent SCRIPT -- ARGS` to the end. */
function npmSync(script: string, args: string[]) {
  const r = spawnSync("npm", ["run", "--silent", script, "--", ...args], { cwd: root, encoding: "utf8", env: { ...process.env, CI: "true" } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The same, not blocking: for independent runs to overlap (most of each is start-up). */
function npmAsync(script: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn("npm", ["run", "--silent", script, "--", ...args], { cwd: root, env: { ...process.env, CI: "true" } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** One `error:` line on stderr, exit code 2, no stack trace, and no training started. */
function userError(r: { code: number | null; stdout: string; stderr: string }, pattern: RegExp, what: string): void {
  assert.equal(r.code, 2, `${what}: exit ${r.code}\n${r.stdout}\n${r.stderr}`);
  const lines = r.stderr.trim().split("\n");
  assert.equal(lines.length, 1, `${what}: one line, got\n${r.stderr}`);
  assert.match(lines[0], /^error: /, what);
  assert.match(lines[0], pattern, what);
  assert.doesNotMatch(r.stdout, /^training /m, `${what}: found before training`);
}

const lockPid = (out: string) => JSON.parse(fs.readFileSync(path.join(out, ".lock"), "utf8")).pid as number;

test("Ctrl-C through npm run train saves, says how to resume, exits 130; meanwhile a second run on the folder is refused; resume checks batch size (#1, #5)", async () => {
  const out = tmp("npm-sigint");
  const run = npmRun("train", gan(out, 1_000_000));
  await run.waitFor(/^training gan/m);
  const second = npmSync("train", gan(out, 10));
  userError(second, new RegExp(`${out.replace(/[/.]/g, "\\$&")} is in use by another run \\(PID ${lockPid(out)}, since .*\\): wait for it to end or choose another --out`), "second run");
  run.signalGroup("SIGINT"); // what the terminal sends on Ctrl-C: npm, and the CLI under it
  assert.equal(await run.exit, 130, run.stderr());
  const m = /interrupted at step (\d+): checkpoint saved to (.+latest\.ckpt)/.exec(run.stdout());
  assert.ok(m, run.stdout());
  assert.match(run.stdout(), /resume with: npm run train -- .*--batch-size 32.* --resume/);
  const step = Number(m[1]);
  assert.equal(readCheckpoint(path.join(out, "latest.ckpt")).header.step, step);
  assert.ok(!fs.existsSync(path.join(out, ".lock")), "the lock is released");

  // A stale lock (its process is gone) and a temporary file from a run killed while saving.
  fs.writeFileSync(path.join(out, ".lock"), JSON.stringify({ pid: 2 ** 22 + 12345, host: os.hostname(), started: "then", command: "x" }));
  fs.writeFileSync(path.join(out, "latest.ckpt.tmp-4199999"), Buffer.alloc(1000));
  const other = npmSync("train", gan(out, step + 2, ["--resume", "--batch-size", "16"]));
  userError(
    { ...other, stderr: other.stderr.split("\n").filter((l) => !l.startsWith("note: ")).join("\n") },
    /latest\.ckpt was trained with batch size 32, not 16: refusing to resume \(.*--force/,
    "resume with another batch size",
  );
  assert.match(other.stderr, /note: took over a stale lock in .* \(PID \d+ is not running\)/);
  assert.match(other.stderr, /note: removed .*latest\.ckpt\.tmp-4199999, a partial checkpoint left by a run that was killed while saving/);
  assert.ok(!fs.existsSync(path.join(out, "latest.ckpt.tmp-4199999")));
  const forced = npmSync("train", gan(out, step + 2, ["--resume", "--force", "--batch-size", "16"]));
  assert.equal(forced.code, 0, forced.stderr);
  assert.match(forced.stderr, /^warning: .*latest\.ckpt was trained with batch size 32, not 16; continuing because of --force/m);
});

test("Ctrl-C through npm run demo saves and prints a resume line with the same batch size (#1)", async () => {
  const out = tmp("npm-demo");
  const run = npmRun("demo", ["--steps", "100000", "--batch-size", "8", "--out", out]);
  await run.waitFor(/^training acgan/m);
  await new Promise((r) => setTimeout(r, 500));
  run.signalGroup("SIGINT");
  assert.equal(await run.exit, 130, run.stderr());
  const m = /interrupted at step (\d+): checkpoint saved to/.exec(run.stdout());
  assert.ok(m, run.stdout());
  assert.match(run.stdout(), /resume with: npm run train -- --model acgan --data synthetic-digits --out .* --steps 100000 --batch-size 8 --resume/);
  assert.equal(readCheckpoint(path.join(out, "latest.ckpt")).header.step, Number(m[1]));
});

test("SIGTERM to npm alone (kill PID) saves and exits 143, leaving no training orphaned; so do timeout and SIGHUP (#1)", async () => {
  const out = tmp("npm-sigterm");
  const run = npmRun("train", gan(out, 1_000_000));
  await run.waitFor(/^training gan/m);
  const trainer = lockPid(out);
  process.kill(run.child.pid!, "SIGTERM"); // npm only: it relays the signal to its script
  assert.equal(await run.exit, 143, run.stderr());
  assert.ok(await gone(trainer, 10_000), `the training process ${trainer} still runs after npm ended`);
  assert.match(run.stdout(), /interrupted at step \d+: checkpoint saved to/);
  assert.ok(fs.existsSync(path.join(out, "latest.ckpt")));

  // `timeout N npm run train ...` sends SIGTERM to its process group when N runs out, or at once
  // when it gets SIGTERM itself, as here (so the test need not guess how long start-up takes).
  const out2 = tmp("npm-timeout");
  const t = spawn("timeout", ["600", "npm", "run", "--silent", "train", "--", ...gan(out2, 1_000_000)], { cwd: root, env: { ...process.env, CI: "true" } });
  trackGroup(t.pid!);
  let stdout = "";
  t.stdout.on("data", (d) => (stdout += d));
  const t0 = Date.now();
  while (!/^training gan/m.test(stdout) && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 50));
  const trainer2 = lockPid(out2);
  t.kill("SIGTERM");
  const code = await new Promise((r) => t.on("exit", (c) => r(c)));
  assert.equal(code, 143, stdout);
  assert.match(stdout, /interrupted at step \d+: checkpoint saved to/);
  assert.ok(!alive(trainer2));

  // The terminal closes: SIGHUP to the group. npm dies of it at once; the trainer saves first.
  const out3 = tmp("npm-sighup");
  const hup = npmRun("train", gan(out3, 1_000_000));
  await hup.waitFor(/^training gan/m);
  const trainer3 = lockPid(out3);
  hup.signalGroup("SIGHUP");
  assert.ok(await gone(trainer3, 10_000), "the trainer ends");
  assert.ok(readCheckpoint(path.join(out3, "latest.ckpt")).header.step > 0, "and saved its checkpoint");
  assert.ok(!fs.existsSync(path.join(out3, ".lock")), "and released the lock");
});

test("resuming through npm run train is exact: 2 steps, then --resume to 5, equals 5 straight steps (#5)", async () => {
  const args = (out: string, steps: number) => ["--model", "dcgan", "--data", "synthetic-digits", "--batch-size", "8", "--checkpoint-every", "0", "--steps", String(steps), "--out", out];
  const a = tmp("npm-exact-a");
  const b = tmp("npm-exact-b");
  const [first, straight] = await Promise.all([npmAsync("train", args(a, 2)), npmAsync("train", args(b, 5))]);
  const resumed = npmSync("train", [...args(a, 5), "--resume"]);
  for (const r of [first, straight, resumed]) assert.equal(r.code, 0, r.stderr);
  const losses = (out: string) => {
    const [head, ...rows] = fs.readFileSync(path.join(out, "log.csv"), "utf8").trim().split("\n");
    const cols = head.split(",").map((c, i) => [c, i] as const).filter(([c]) => c.endsWith("_loss"));
    return rows.map((r) => cols.map(([, i]) => Number(r.split(",")[i])));
  };
  const [la, lb] = [losses(a), losses(b)];
  assert.equal(la.length, 5);
  for (let s = 0; s < 5; s++) for (let j = 0; j < la[s].length; j++) assert.ok(Math.abs(la[s][j] - lb[s][j]) <= 1e-6, `step ${s}: ${la[s]} vs ${lb[s]}`);
});

test("on a full or nearly full disk (a small tmpfs) no checkpoint is lost and the error says how much space is needed (#2)", async (t) => {
  const mnt = tmp("tmpfs");
  const mount = spawnSync("mount", ["-t", "tmpfs", "-o", "size=8m", "tmpfs", mnt], { encoding: "utf8" });
  if (mount.status !== 0) {
    t.skip(`cannot mount a tmpfs here (${(mount.stderr || String(mount.error)).trim()}): the injected short write in checkpoint.test.ts covers this path`);
    return;
  }
  try {
    const free = () => {
      const s = fs.statfsSync(mnt);
      return s.bavail * s.bsize;
    };
    // Full before the start: refused before training, saying how much space a run needs.
    fs.writeFileSync(path.join(mnt, "filler"), Buffer.alloc(free() - 200_000));
    userError(npmSync("train", gan(path.join(mnt, "run0"), 2000)), /not enough free space in .*run0: 0\.\d MB free, a run needs \d+\.\d MB \(two checkpoints of/, "full disk");
    fs.rmSync(path.join(mnt, "filler"));

    // Nearly full during the run: the disk fills between two checkpoints.
    const out = path.join(mnt, "run");
    const run = npmRun("train", gan(out, 2000, ["--checkpoint-every", "1"]));
    await run.waitFor(/^training gan/m);
    const ckpt = path.join(out, "latest.ckpt");
    const t0 = Date.now();
    while (!fs.existsSync(ckpt) && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 20));
    const pid = lockPid(out);
    // Stop the trainer between two writes, leave half a checkpoint of space, let it go on.
    for (;;) {
      process.kill(pid, "SIGSTOP");
      if (!fs.readdirSync(out).some((f) => f.includes(".tmp-"))) break;
      process.kill(pid, "SIGCONT");
      await new Promise((r) => setTimeout(r, 5));
    }
    const size = fs.statSync(ckpt).size;
    fs.writeFileSync(path.join(mnt, "filler"), Buffer.alloc(Math.max(0, free() - Math.floor(size / 2))));
    process.kill(pid, "SIGCONT");
    const code = await run.exit;
    const stderr = run.stderr().trim().split("\n");
    assert.equal(code, 2, run.stderr());
    assert.equal(stderr.length, 1, run.stderr());
    assert.match(stderr[0], /^error: cannot write checkpoint .*latest\.ckpt: the disk is full \(it needs \d+\.\d MB, 0\.\d MB free in .*\); the previous checkpoint is kept: free some space and run again$/);
    const kept = readCheckpoint(ckpt).header.step;
    assert.ok(kept >= 1, "the previous checkpoint reads back whole");
    assert.deepEqual(fs.readdirSync(out).filter((f) => f.includes(".tmp-")), [], "no temporary file is left");

    // A read-only disk: found before training (root passes permission checks, not EROFS).
    assert.equal(spawnSync("mount", ["-o", "remount,ro", mnt]).status, 0);
    userError(npmSync("train", gan(path.join(mnt, "run2"), 10)), /cannot create the output folder .*run2: EROFS \(choose another --out\)/, "read-only disk");
  } finally {
    spawnSync("umount", ["-l", mnt]);
  }
});

test("npm run data keeps valid files placed by hand (compressed differently) and moves bad ones aside, never deleting (#3)", () => {
  const dir = tmp("npm-data");
  // Valid Fashion-MNIST test files, gzip-compressed unlike the published archive (as Debian's
  // dataset-fashion-mnist ships them): the right IDX header and counts, not the published bytes.
  const idx = (dims: number[]) => {
    const head = Buffer.alloc(4 + 4 * dims.length);
    head.writeUInt32BE(0x00000800 + dims.length, 0);
    dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
    return zlib.gzipSync(Buffer.concat([head, Buffer.alloc(dims.reduce((a, b) => a * b, 1))]), { level: 1 });
  };
  const debian = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz";
  const placed: Record<string, Buffer> = {
    "t10k-images-idx3-ubyte.gz": idx([10000, 28, 28]),
    "t10k-labels-idx1-ubyte.gz": Buffer.from("not a dataset at all"),
  };
  if (fs.existsSync(debian)) placed["train-images-idx3-ubyte.gz"] = fs.readFileSync(debian);
  for (const [name, bytes] of Object.entries(placed)) fs.writeFileSync(path.join(dir, name), bytes);
  const r = npmSync("data", ["fashion-mnist", "--dir", dir, "--base-url", "http://127.0.0.1:9"]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stdout, /t10k-images-idx3-ubyte\.gz: already here; its bytes differ from the published archive \(compressed differently\), its content is a valid IDX array of 10000x28x28: keeping it/);
  if (placed["train-images-idx3-ubyte.gz"]) assert.match(r.stdout, /train-images-idx3-ubyte\.gz: already here; .* 60000x28x28: keeping it/);
  assert.match(r.stdout, /t10k-labels-idx1-ubyte\.gz: its content is not a readable gzip file .*: moved it aside to .*t10k-labels-idx1-ubyte\.gz\.rejected/);
  assert.deepEqual(fs.readFileSync(path.join(dir, "t10k-images-idx3-ubyte.gz")), placed["t10k-images-idx3-ubyte.gz"]);
  assert.deepEqual(fs.readFileSync(path.join(dir, "t10k-labels-idx1-ubyte.gz.rejected")), placed["t10k-labels-idx1-ubyte.gz"]);
  assert.match(r.stderr.trim(), /^error: no network .*put .*t10k-labels-idx1-ubyte\.gz from/);
});

test("what can be checked before training is, as one error line through npm (#4)", async () => {
  const file = path.join(tmp("npm-out"), "a-file");
  fs.writeFileSync(file, "x");
  const images = tmp("npm-images");
  for (let i = 0; i < 3; i++) fs.writeFileSync(path.join(images, `${i}.png`), PNG.sync.write(Object.assign(new PNG({ width: 8, height: 8 }), { data: Buffer.alloc(256, 128) })));
  // A PNG whose header says 25000x25000 (decoding it took 6 GB).
  const huge = tmp("npm-huge");
  const ihdr = Buffer.alloc(25);
  ihdr.writeUInt32BE(13, 0);
  ihdr.write("IHDR", 4, "latin1");
  ihdr.writeUInt32BE(25000, 8);
  ihdr.writeUInt32BE(25000, 12);
  ihdr.set([8, 6, 0, 0, 0], 16);
  ihdr.writeUInt32BE(zlib.crc32(ihdr.subarray(4, 21)), 21);
  fs.writeFileSync(path.join(huge, "big.png"), Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), ihdr]));
  const cases: [string, string[], RegExp][] = [
    ["train", ["--model", "gan", "--data", "ring8", "--out", file], /--out .*a-file is a file, not a folder/],
    ["train", ["--model", "gan", "--data", "ring8", "--out", "/proc/gan-repro-out"], /cannot create the output folder \/proc\/gan-repro-out: .* \(choose another --out\)/],
    ["train", ["--model", "dcgan", "--data", `${images}:size=8`, "--batch-size", "4", "--out", tmp("npm-b")], /--batch-size 4 is larger than the dataset \(3 examples in .*\): use at most 3/],
    ["train", ["began"], /unexpected argument "began"/],
    ["demo", ["--steps", "1e3"], /--steps must be a positive integer, got "1e3"/],
    ["train", ["--steps", "0x5"], /--steps must be a positive integer, got "0x5"/],
    ["train", ["--seed", "12345678901234567890"], /--seed is too large, got "12345678901234567890"/],
    ["train", ["--model", "dcgan", "--data", `${huge}:size=8`], /big\.png is a 25000x25000 PNG \(625 megapixels\), over the 100-megapixel decoding limit/],
  ];
  const results = await Promise.all(cases.map(([script, args]) => npmAsync(script, args)));
  cases.forEach(([script, args, pattern], i) => userError(results[i], pattern, `npm run ${script} -- ${args.join(" ")}`));
});

test("a damaged checkpoint on --resume is one error line, whatever the damage (#4)", async () => {
  const out = tmp("npm-damaged");
  const ok = npmSync("train", gan(out, 2));
  assert.equal(ok.code, 0, ok.stderr);
  const ckpt = path.join(out, "latest.ckpt");
  const good = fs.readFileSync(ckpt);
  const headerEnd = 12 + good.readUInt32LE(8);
  const header = JSON.parse(good.subarray(12, headerEnd).toString());
  delete header.variables;
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(4);
  len.writeUInt32LE(json.length);
  const damaged: [string, Buffer, RegExp][] = [
    ["cut at size-1", good.subarray(0, good.length - 1), /latest\.ckpt is truncated or damaged/],
    ["cut right after its header", good.subarray(0, headerEnd), /latest\.ckpt is truncated or damaged/],
    ["a header without variables", Buffer.concat([good.subarray(0, 8), len, json]), /latest\.ckpt: damaged checkpoint header \(no variable list\)/],
  ];
  const results = await Promise.all(
    damaged.map(([, bytes]) => {
      const copy = tmp("npm-damaged-copy");
      fs.writeFileSync(path.join(copy, "latest.ckpt"), bytes);
      return npmAsync("train", gan(copy, 4, ["--resume"]));
    }),
  );
  for (const [i, [what, , pattern]] of damaged.entries()) {
    const r = results[i];
    assert.equal(r.code, 2, `${what}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split("\n").length, 1, `${what}: ${r.stderr}`);
    assert.match(r.stderr.trim(), new RegExp(`^error: .*${pattern.source}`), what);
  }
});
