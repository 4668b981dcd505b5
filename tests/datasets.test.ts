/**
 * Downloads (against a local HTTP server), CIFAR-10 binary batches and image folders, all from
 * fixtures generated here at run time.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import { AddressInfo } from "node:net";
import * as path from "node:path";
import * as zlib from "node:zlib";
import * as jpeg from "jpeg-js";
import { PNG } from "pngjs";
import { DataSource, downloadDataset, DownloadOptions, readTar, SOURCES } from "../src/data/download";
import { CIFAR10_CLASSES, CIFAR10_FILES, loadCifar10 } from "../src/data/cifar10";
import { listImages, loadImageFolder, parseImageFolderSpec } from "../src/data/image-folder";
import { UserError } from "../src/errors";
import { tempDir } from "./tmp";

const root = path.resolve(__dirname, "..");
const tmp = (prefix: string) => tempDir(`gan-${prefix}-`);
const md5 = (b: Buffer) => crypto.createHash("md5").update(b).digest("hex");
const userError = (pattern: RegExp) => (e: unknown) => e instanceof UserError && pattern.test(e.message);

// ---------------------------------------------------------------------------------------------
// A local file server: /files/NAME serves bytes (with Range support unless told to ignore it),
// /moved/NAME redirects there, and a file named in `cut` has its first response cut halfway.

interface Served {
  base: string;
  requests: { path: string; range?: string }[];
  close: () => Promise<void>;
}

async function serve(files: Record<string, Buffer>, opts: { ignoreRange?: boolean; cut?: string } = {}): Promise<Served> {
  const requests: Served["requests"] = [];
  let cutDone = false;
  const server = http.createServer((req, res) => {
    const url = req.url ?? "/";
    requests.push({ path: url, range: req.headers.range });
    if (url.startsWith("/moved/")) {
      res.writeHead(302, { Location: url.replace("/moved/", "/files/") }).end();
      return;
    }
    const body = files[decodeURIComponent(url.replace("/files/", ""))];
    if (!url.startsWith("/files/") || !body) {
      res.writeHead(404).end("not found");
      return;
    }
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
    if (m && !opts.ignoreRange) {
      const from = Number(m[1]);
      if (from >= body.length) {
        res.writeHead(416, { "Content-Range": `bytes */${body.length}` }).end();
        return;
      }
      res.writeHead(206, { "Content-Length": body.length - from, "Content-Range": `bytes ${from}-${body.length - 1}/${body.length}` });
      res.end(body.subarray(from));
      return;
    }
    res.writeHead(200, { "Content-Length": body.length });
    if (opts.cut === url.replace("/files/", "") && !cutDone) {
      cutDone = true;
      res.write(body.subarray(0, body.length >> 1), () => res.socket?.destroy());
      return;
    }
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** A port where nothing listens. */
async function closedPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const A = crypto.randomBytes(100_000);
const B = Buffer.from("a small second file\n");

function fixtureSource(files: Record<string, Buffer>, md5s: Record<string, string> = {}): DataSource {
  return {
    name: "fixture",
    title: "test files",
    reference: "generated",
    files: Object.entries(files).map(([name, b]) => ({ name, url: `http://public.invalid/${name}`, md5: md5s[name] ?? md5(b) })),
  };
}

function quiet(log: string[], extra: Partial<DownloadOptions> = {}): Omit<DownloadOptions, "dir"> {
  return { progress: false, retryDelayMs: 0, timeoutMs: 5000, log: (l) => log.push(l), ...extra };
}

test("download: every file fetched through a redirect, md5-checked, renamed into place; a rerun only verifies", async () => {
  const srv = await serve({ "a.bin": A, "b.txt": B });
  try {
    const dir = path.join(tmp("dl"), "fixture");
    const log: string[] = [];
    await downloadDataset(fixtureSource({ "a.bin": A, "b.txt": B }), { dir, baseUrl: `${srv.base}/moved/`, ...quiet(log) });
    assert.deepEqual(fs.readFileSync(path.join(dir, "a.bin")), A);
    assert.deepEqual(fs.readFileSync(path.join(dir, "b.txt")), B);
    assert.deepEqual(fs.readdirSync(dir).sort(), ["a.bin", "b.txt"], "no .part left behind");
    assert.deepEqual(
      srv.requests.map((r) => r.path),
      ["/moved/a.bin", "/files/a.bin", "/moved/b.txt", "/files/b.txt"],
    );
    const before = srv.requests.length;
    await downloadDataset(fixtureSource({ "a.bin": A, "b.txt": B }), { dir, baseUrl: `${srv.base}/moved/`, ...quiet(log) });
    assert.equal(srv.requests.length, before, "verified files are not fetched again");
    assert.ok(log.some((l) => /a\.bin: already here, md5 ok/.test(l)));
  } finally {
    await srv.close();
  }
});

test("download: a .part file is resumed with a Range request, and restarted when the server ignores Range", async () => {
  for (const ignoreRange of [false, true]) {
    const srv = await serve({ "a.bin": A }, { ignoreRange });
    try {
      const dir = tmp("resume");
      // Correct first bytes when the server resumes; garbage when it sends everything anyway.
      fs.writeFileSync(path.join(dir, "a.bin.part"), ignoreRange ? Buffer.alloc(40_000, 7) : A.subarray(0, 40_000));
      const log: string[] = [];
      await downloadDataset(fixtureSource({ "a.bin": A }), { dir, baseUrl: `${srv.base}/files/`, ...quiet(log) });
      assert.deepEqual(fs.readFileSync(path.join(dir, "a.bin")), A);
      assert.equal(srv.requests.length, 1);
      assert.equal(srv.requests[0].range, "bytes=40000-");
      assert.equal(log.some((l) => /does not resume downloads: starting again from byte 0/.test(l)), ignoreRange);
      assert.ok(!fs.existsSync(path.join(dir, "a.bin.part")));
    } finally {
      await srv.close();
    }
  }
});

test("download: a transfer cut short is retried once, resuming where it stopped", async () => {
  const srv = await serve({ "a.bin": A }, { cut: "a.bin" });
  try {
    const dir = tmp("cut");
    const log: string[] = [];
    await downloadDataset(fixtureSource({ "a.bin": A }), { dir, baseUrl: `${srv.base}/files/`, ...quiet(log) });
    assert.deepEqual(fs.readFileSync(path.join(dir, "a.bin")), A);
    assert.equal(srv.requests.length, 2);
    assert.equal(srv.requests[0].range, undefined);
    assert.match(srv.requests[1].range ?? "", /^bytes=[1-9]\d*-$/, "the retry asks for the rest only");
    assert.ok(log.some((l) => /retrying/.test(l)));
  } finally {
    await srv.close();
  }
});

test("download: a checksum mismatch deletes the bad download and says so; a bad file already there is moved aside and replaced", async () => {
  const srv = await serve({ "a.bin": A, "b.txt": B });
  try {
    const dir = tmp("md5");
    const src = fixtureSource({ "a.bin": A }, { "a.bin": "0123456789abcdef0123456789abcdef" });
    await assert.rejects(
      downloadDataset(src, { dir, baseUrl: `${srv.base}/files/`, ...quiet([]) }),
      userError(/^checksum mismatch for a\.bin from http:\/\/127\.0\.0\.1:\d+\/files\/a\.bin: md5 [0-9a-f]{32}, expected 0123456789abcdef0123456789abcdef; deleted the bad file/),
    );
    assert.deepEqual(fs.readdirSync(dir), [], "neither a.bin nor a.bin.part is kept");

    fs.writeFileSync(path.join(dir, "b.txt"), "tampered");
    const log: string[] = [];
    await downloadDataset(fixtureSource({ "b.txt": B }), { dir, baseUrl: `${srv.base}/files/`, ...quiet(log) });
    assert.deepEqual(fs.readFileSync(path.join(dir, "b.txt")), B);
    assert.ok(log.some((l) => /b\.txt: md5 [0-9a-f]+ is not the published .*: moved it aside to .*b\.txt\.rejected .*downloading the file again/.test(l)), log.join("\n"));
    assert.equal(fs.readFileSync(path.join(dir, "b.txt.rejected"), "utf8"), "tampered", "a file placed by hand is never deleted");

    await assert.rejects(
      downloadDataset(fixtureSource({ "nope.bin": B }), { dir, baseUrl: `${srv.base}/files/`, ...quiet([]) }),
      userError(/answered HTTP 404 \(tried 2 times\): put nope\.bin from http:\/\/127\.0\.0\.1:\d+\/files\/nope\.bin in /),
    );
  } finally {
    await srv.close();
  }
});

test("download: no network is one line naming each missing file, its URL and the folder", async () => {
  const port = await closedPort();
  const dir = tmp("offline");
  const src = fixtureSource({ "a.bin": A, "b.txt": B });
  const err = await downloadDataset(src, { dir, baseUrl: `http://127.0.0.1:${port}/`, ...quiet([]) }).then(
    () => null,
    (e: unknown) => e,
  );
  assert.ok(err instanceof UserError);
  assert.equal(err.message.split("\n").length, 1);
  assert.equal(
    err.message,
    `no network (ECONNREFUSED 127.0.0.1:${port}): put a.bin from http://127.0.0.1:${port}/a.bin, b.txt from http://127.0.0.1:${port}/b.txt in ${dir}, then run \`npm run data -- fixture\` again to check them`,
  );

  // DNS failure through an injected request function; the public URLs are named.
  const dnsFail = () => Promise.reject(Object.assign(new Error("getaddrinfo ENOTFOUND public.invalid"), { code: "ENOTFOUND" }));
  await assert.rejects(
    downloadDataset(src, { dir, get: dnsFail, ...quiet([]) }),
    userError(/^no network \(ENOTFOUND public\.invalid\): put a\.bin from http:\/\/public\.invalid\/a\.bin, b\.txt from http:\/\/public\.invalid\/b\.txt in /),
  );

  // The CLI: one stderr line, exit code 2, nothing else printed.
  const out = tmp("offline-cli");
  const r = spawnSync(process.execPath, ["--import", "tsx", path.join(root, "src/cli/data.ts"), "mnist", "--dir", out, "--base-url", `http://127.0.0.1:${port}/`], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, CI: "true" },
  });
  assert.equal(r.status, 2, r.stderr);
  assert.equal(r.stdout, "");
  const lines = r.stderr.trim().split("\n");
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], new RegExp(`^error: no network \\(ECONNREFUSED 127\\.0\\.0\\.1:${port}\\): put train-images-idx3-ubyte\\.gz from http://127\\.0\\.0\\.1:${port}/train-images-idx3-ubyte\\.gz, `));
  for (const f of SOURCES.mnist.files) assert.ok(lines[0].includes(f.name));
  assert.ok(lines[0].includes(` in ${out}, then run \`npm run data -- mnist --dir ${out} --base-url`));
});

// ---------------------------------------------------------------------------------------------
// CIFAR-10

/** Records with the given labels; pixel (record r, channel c, y, x) = (r * 31 + c * 80 + y * 3 + x) % 256. */
function cifarBatch(labels: number[], first = 0): Buffer {
  const b = Buffer.alloc(labels.length * 3073);
  labels.forEach((l, i) => {
    const r = first + i;
    b[i * 3073] = l;
    for (let c = 0; c < 3; c++) for (let p = 0; p < 1024; p++) b[i * 3073 + 1 + c * 1024 + p] = (r * 31 + c * 80 + Math.floor(p / 32) * 3 + (p % 32)) % 256;
  });
  return b;
}

function writeCifar(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  for (let k = 0; k < 5; k++) fs.writeFileSync(path.join(dir, `data_batch_${k + 1}.bin`), cifarBatch([2 * k, 2 * k + 1], 2 * k));
  fs.writeFileSync(path.join(dir, "test_batch.bin"), cifarBatch([9, 0, 3], 10));
}

test("CIFAR-10: binary batches load as [n, 32, 32, 3] in [-1, 1] with labels and class names", () => {
  const dir = tmp("cifar");
  writeCifar(dir);
  const train = loadCifar10(dir);
  assert.deepEqual(train.shape, [32, 32, 3]);
  assert.deepEqual([...train.labels!], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(train.numClasses, 10);
  assert.deepEqual(train.classNames, CIFAR10_CLASSES);
  assert.equal(train.classNames![3], "cat");
  const all = loadCifar10(dir, "all");
  assert.equal(all.data.length, 13 * 3072);
  assert.deepEqual([...all.labels!].slice(10), [9, 0, 3]);
  for (let r = 0; r < 13; r++) {
    for (let y = 0; y < 32; y++) {
      for (let x = 0; x < 32; x++) {
        for (let c = 0; c < 3; c++) {
          const want = Math.fround(((r * 31 + c * 80 + y * 3 + x) % 256) / 127.5 - 1);
          const got = all.data[((r * 32 + y) * 32 + x) * 3 + c];
          if (got !== want) assert.fail(`record ${r} (${y}, ${x}) channel ${c}: ${got}, expected ${want}`);
        }
      }
    }
  }
  assert.equal(Math.min(...all.data), -1);
  assert.equal(loadCifar10(dir, "test").labels!.length, 3);
  // The unpacked official archive's layout: a cifar-10-batches-bin/ subfolder.
  const nested = tmp("cifar-nested");
  writeCifar(path.join(nested, "cifar-10-batches-bin"));
  assert.equal(loadCifar10(nested).labels!.length, 10);
});

test("CIFAR-10: bad sizes, bad labels and missing files are errors naming the file", () => {
  const dir = tmp("cifar-bad");
  writeCifar(dir);
  const f1 = path.join(dir, "data_batch_1.bin");
  fs.writeFileSync(f1, Buffer.concat([cifarBatch([1, 2]), Buffer.alloc(5)]));
  assert.throws(() => loadCifar10(dir), userError(new RegExp(`^${f1.replace(/[.]/g, "\\.")}: 6151 bytes is not a whole number of CIFAR-10 records \\(3073 bytes`)));
  fs.writeFileSync(f1, cifarBatch([1, 10]));
  assert.throws(() => loadCifar10(dir), userError(new RegExp(`^${f1.replace(/[.]/g, "\\.")}: record 1 has label 10, CIFAR-10 labels are 0-9`)));
  fs.writeFileSync(f1, Buffer.alloc(0));
  assert.throws(() => loadCifar10(dir), userError(/data_batch_1\.bin is empty/));
  fs.writeFileSync(f1, cifarBatch([1]));
  fs.rmSync(path.join(dir, "data_batch_3.bin"));
  assert.throws(() => loadCifar10(dir), userError(/^missing .*data_batch_3\.bin: get it with `npm run data -- cifar10`/));
  assert.equal(loadCifar10(dir, "test").labels!.length, 3, "the test split does not need the training files");
  assert.throws(() => loadCifar10(path.join(dir, "nope")), userError(/^CIFAR-10 not found: no folder .*nope; get it with `npm run data -- cifar10`/));
  assert.throws(() => loadCifar10(tmp("cifar-empty")), userError(/no CIFAR-10 batch files .* in .*: get it with `npm run data -- cifar10`/));
});

/** One ustar entry (header + data padded to 512 bytes). */
function tarEntry(name: string, data: Buffer, type = "0"): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, "utf8");
  h.write("0000644\0", 100);
  h.write("0000000\0", 108);
  h.write("0000000\0", 116);
  h.write(`${data.length.toString(8).padStart(11, "0")}\0`, 124);
  h.write("00000000000\0", 136);
  h.write(type, 156);
  h.write("ustar\0", 257);
  h.write("00", 263);
  h.fill(" ", 148, 156);
  let sum = 0;
  for (const x of h) sum += x;
  h.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148);
  return Buffer.concat([h, data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
}

test("CIFAR-10 download: the tar.gz is verified, its batches unpacked without a tar tool, the archive deleted", async () => {
  const src = tmp("cifar-src");
  writeCifar(src);
  const entries = [tarEntry("cifar-10-batches-bin/", Buffer.alloc(0), "5"), tarEntry("cifar-10-batches-bin/readme.html", Buffer.from("<p>hi</p>"))];
  for (const f of [...CIFAR10_FILES, "batches.meta.txt"]) {
    const body = f.endsWith(".bin") ? fs.readFileSync(path.join(src, f)) : Buffer.from(CIFAR10_CLASSES.join("\n"));
    entries.push(tarEntry(`cifar-10-batches-bin/${f}`, body));
  }
  const tar = Buffer.concat([...entries, Buffer.alloc(1024)]);
  assert.deepEqual(
    [...readTar(tar, "t")].map((e) => `${e.type}:${e.name}`).slice(0, 3),
    ["dir:cifar-10-batches-bin/", "file:cifar-10-batches-bin/readme.html", "file:cifar-10-batches-bin/data_batch_1.bin"],
  );
  const broken = Buffer.from(tar);
  broken[600] ^= 0xff; // inside the second header
  assert.throws(() => [...readTar(broken, "broken.tar")], userError(/broken\.tar is not a valid tar archive \(bad header checksum at byte 512\)/));

  const tgz = zlib.gzipSync(tar);
  const srv = await serve({ "cifar-10-binary.tar.gz": tgz });
  try {
    const dir = tmp("cifar-dl");
    const source: DataSource = { ...SOURCES.cifar10, files: [{ ...SOURCES.cifar10.files[0], md5: md5(tgz) }] };
    const log: string[] = [];
    await downloadDataset(source, { dir, baseUrl: `${srv.base}/files/`, ...quiet(log) });
    assert.deepEqual(fs.readdirSync(dir).sort(), [...CIFAR10_FILES, "batches.meta.txt"].sort());
    const ds = loadCifar10(dir, "all");
    assert.deepEqual([...ds.labels!], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 0, 3]);
    await downloadDataset(source, { dir, baseUrl: `${srv.base}/files/`, ...quiet(log) });
    assert.equal(srv.requests.length, 1, "an unpacked dataset is not fetched again");
    assert.ok(log.some((l) => /cifar10: already in /.test(l)));
  } finally {
    await srv.close();
  }
});

// ---------------------------------------------------------------------------------------------
// Image folders

/** An RGBA image from a per-pixel colour function. */
function rgba(w: number, h: number, colour: (x: number, y: number) => [number, number, number]): Buffer {
  const d = Buffer.alloc(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const [r, g, b] = colour(x, y);
      d.set([r, g, b, 255], (y * w + x) * 4);
    }
  }
  return d;
}

function png(w: number, h: number, colour: (x: number, y: number) => [number, number, number]): Buffer {
  const p = new PNG({ width: w, height: h });
  rgba(w, h, colour).copy(p.data);
  return PNG.sync.write(p);
}

const grey = (v: number): [number, number, number] => [v, v, v];
/** Pixel (x, y), channel c of image i of a square dataset. */
const at = (data: Float32Array, s: number, i: number, x: number, y: number, c = 0) => data[((i * s + y) * s + x) * 3 + c];

test("image folder: centre crop then area-averaging resize, on known pixels (PNG)", () => {
  const dir = tmp("img");
  // 128x64, left half black, right half white: the centred 64x64 square is half and half.
  fs.writeFileSync(path.join(dir, "a.png"), png(128, 64, (x) => grey(x < 64 ? 0 : 255)));
  let ds = loadImageFolder(dir, { size: 32 });
  assert.deepEqual(ds.shape, [32, 32, 3]);
  assert.equal(ds.labels, undefined);
  for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) for (let c = 0; c < 3; c++) assert.equal(at(ds.data, 32, 0, x, y, c), x < 16 ? -1 : 1);

  // 96x96 stripes black | white | black shrunk by 1.5: the edge pixels are fractional blends,
  // e.g. output column 21 covers source [31.5, 33): half a black pixel, one white one -> 170.
  fs.writeFileSync(path.join(dir, "a.png"), png(96, 96, (x) => grey(x >= 32 && x < 64 ? 255 : 0)));
  ds = loadImageFolder(dir, { size: 64 });
  const row = [...Array(64).keys()].map((x) => at(ds.data, 64, 0, x, 10));
  assert.equal(row[20], -1);
  assert.ok(Math.abs(row[21] - (170 / 127.5 - 1)) < 1e-6, `column 21: ${row[21]}`);
  assert.equal(row[22], 1);
  assert.equal(row[41], 1);
  assert.ok(Math.abs(row[42] - (170 / 127.5 - 1)) < 1e-6, `column 42: ${row[42]}`);
  assert.equal(row[43], -1);

  // 10x30, red | green | blue bands from top to bottom: the centred square is the green band
  // (enlarged to 32), and channels come out in RGB order.
  fs.writeFileSync(path.join(dir, "a.png"), png(10, 30, (_x, y) => (y < 10 ? [255, 0, 0] : y < 20 ? [0, 255, 0] : [0, 0, 255])));
  ds = loadImageFolder(dir, { size: 32 });
  for (let y = 0; y < 32; y += 7) for (let x = 0; x < 32; x += 5) assert.deepEqual([0, 1, 2].map((c) => at(ds.data, 32, 0, x, y, c)), [-1, 1, -1]);
});

test("image folder: recursive, sorted by path, limit takes the first N, JPEG decoded", () => {
  const dir = tmp("img-order");
  fs.mkdirSync(path.join(dir, "sub"));
  fs.writeFileSync(path.join(dir, "b.png"), png(8, 8, () => grey(255)));
  fs.writeFileSync(path.join(dir, "a.PNG"), png(8, 8, () => grey(0)));
  const jpg = jpeg.encode({ width: 64, height: 64, data: rgba(64, 64, (x) => grey(x < 32 ? 0 : 255)) }, 95).data;
  fs.writeFileSync(path.join(dir, "sub", "c.jpg"), jpg);
  fs.writeFileSync(path.join(dir, ".hidden.png"), "not read");
  fs.writeFileSync(path.join(dir, "list_attr.txt"), "not an image");
  assert.deepEqual(listImages(dir), ["a.PNG", "b.png", "sub/c.jpg"]);

  const two = loadImageFolder(dir, { size: 32, limit: 2 });
  assert.equal(two.data.length, 2 * 32 * 32 * 3);
  assert.ok(two.data.subarray(0, 3072).every((v) => v === -1), "a.PNG (black) first");
  assert.ok(two.data.subarray(3072).every((v) => v === 1), "then b.png (white)");

  const all = loadImageFolder(dir, { size: 32 });
  assert.equal(all.data.length, 3 * 3072);
  assert.equal(all.name, path.basename(dir));
  // JPEG is lossy; the 8x8 blocks on either side of the edge at x = 32 are flat.
  for (const y of [0, 13, 31]) {
    for (const x of [0, 7, 15]) assert.ok(Math.abs(at(all.data, 32, 2, x, y) + 1) < 0.03, `black at (${x}, ${y}): ${at(all.data, 32, 2, x, y)}`);
    for (const x of [16, 24, 31]) assert.ok(Math.abs(at(all.data, 32, 2, x, y) - 1) < 0.03, `white at (${x}, ${y}): ${at(all.data, 32, 2, x, y)}`);
  }
});

test("image folder: corrupt or unreadable images, empty and missing folders are errors naming them", () => {
  const dir = tmp("img-bad");
  fs.writeFileSync(path.join(dir, "a.png"), png(8, 8, () => grey(9)));
  const good = png(16, 16, () => grey(200));
  const bad = path.join(dir, "b.png");
  fs.writeFileSync(bad, good.subarray(0, good.length >> 1));
  const quote = (f: string) => f.replace(/[.]/g, "\\.");
  assert.throws(() => loadImageFolder(dir), userError(new RegExp(`^cannot decode ${quote(bad)} \\(corrupt or truncated PNG`)));
  fs.rmSync(bad);

  const jpg = jpeg.encode({ width: 16, height: 16, data: rgba(16, 16, () => grey(100)) }, 90).data;
  const cut = path.join(dir, "c.jpg");
  fs.writeFileSync(cut, jpg.subarray(0, jpg.length >> 1));
  assert.throws(() => loadImageFolder(dir), userError(new RegExp(`^cannot decode ${quote(cut)} \\(corrupt or truncated JPEG`)));
  fs.rmSync(cut);

  const fake = path.join(dir, "d.jpeg");
  fs.writeFileSync(fake, "<html>404</html>");
  assert.throws(() => loadImageFolder(dir), userError(new RegExp(`^${quote(fake)} is neither a PNG nor a JPEG`)));
  fs.rmSync(fake);
  assert.equal(loadImageFolder(dir, { size: 32 }).data.length, 3072, "the folder loads once the bad files are gone");

  const empty = tmp("img-empty");
  fs.writeFileSync(path.join(empty, "readme.txt"), "no images");
  assert.throws(() => loadImageFolder(empty), userError(/^no PNG or JPEG images in .*img-empty.* \(subfolders included\)/));
  assert.throws(() => loadImageFolder(path.join(empty, "nope")), userError(/^image folder not found: .*nope/));
  assert.throws(() => loadImageFolder(dir, { size: 0 }), userError(/image size must be an integer/));
});

test("image folder spec: DIR[:size=N][:limit=N]", () => {
  assert.deepEqual(parseImageFolderSpec("data/celeba"), { dir: "data/celeba" });
  assert.deepEqual(parseImageFolderSpec("data/celeba:size=32:limit=100"), { dir: "data/celeba", size: 32, limit: 100 });
  assert.deepEqual(parseImageFolderSpec("C:\\img:limit=5"), { dir: "C:\\img", limit: 5 });
  assert.throws(() => parseImageFolderSpec("x:size=big"), userError(/size must be a positive integer, got "big"/));
});
