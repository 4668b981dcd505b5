/**
 * Register this project's tslab kernel with Jupyter: find a Python that has Jupyter, write a
 * kernelspec whose argv runs this project's own tslab by absolute path (with the absolute path of
 * the Node running this), and install it with jupyter_client's KernelSpecManager.
 *
 * Why not `npx tslab install`: it uses whichever `python3` comes first on PATH (often one without
 * Jupyter: a pyenv or virtualenv python) and writes a kernelspec running a bare `tslab`, which is
 * not on PATH when Jupyter starts the kernel ("No such file or directory: 'tslab'").
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { UserError } from "../errors";
import { TSLAB_KERNELSPEC } from "./run-notebook";

export const PROJECT_ROOT = path.resolve(__dirname, "../..");
/** This project's tslab entry point. */
export const TSLAB_BIN = path.join(PROJECT_ROOT, "node_modules", "tslab", "bin", "tslab");

/** What Debian/Ubuntu and pip call the Jupyter parts the kit uses. */
export const JUPYTER_INSTALL_HINT =
  "Debian/Ubuntu: sudo apt-get install jupyter-notebook jupyter-client python3-nbconvert; elsewhere: python3 -m pip install notebook nbconvert (or jupyterlab)";

export interface PythonInfo {
  python: string;
  /** Versions of the Jupyter packages found (jupyter_client is required). */
  modules: Record<string, string>;
}

const PROBE = `
import importlib, json
out = {}
for m in ["jupyter_client", "notebook", "nbconvert", "jupyterlab", "nbclient"]:
    try:
        out[m] = str(getattr(importlib.import_module(m), "__version__", "?"))
    except Exception:
        pass
print(json.dumps(out))
`;

/** The Jupyter packages importable by `python`, or null when it does not run. */
export function probePython(python: string): PythonInfo | null {
  const r = spawnSync(python, ["-c", PROBE], { encoding: "utf8", timeout: 60_000 });
  if (r.status !== 0 || r.error) return null;
  try {
    return { python, modules: JSON.parse(r.stdout.trim().split("\n").pop() ?? "{}") };
  } catch {
    return null;
  }
}

/** Python interpreters to try, in order: every python3 on PATH, then the system's. */
export function candidatePythons(envPath = process.env.PATH ?? ""): string[] {
  const found: string[] = [];
  for (const dir of envPath.split(path.delimiter).filter(Boolean)) {
    for (const name of ["python3", "python"]) {
      const p = path.join(dir, name);
      if (fs.existsSync(p)) found.push(p);
    }
  }
  for (const p of ["/usr/bin/python3", "/usr/local/bin/python3", "/opt/homebrew/bin/python3"]) if (fs.existsSync(p)) found.push(p);
  return [...new Set(found)];
}

/**
 * The Python to install the kernelspec with: `requested` if given (it must have jupyter_client),
 * else the first candidate that has jupyter_client. A UserError says what to install otherwise.
 */
export function findJupyterPython(requested?: string, candidates = candidatePythons()): PythonInfo {
  if (requested) {
    const info = probePython(requested);
    if (!info) throw new UserError(`--python ${requested} does not run`);
    if (!info.modules.jupyter_client) throw new UserError(`${requested} has no Jupyter (jupyter_client is missing). ${JUPYTER_INSTALL_HINT}`);
    return info;
  }
  const tried: string[] = [];
  for (const p of candidates) {
    const info = probePython(p);
    tried.push(p);
    if (info?.modules.jupyter_client) return info;
  }
  throw new UserError(`no Python with Jupyter found (tried: ${tried.join(", ") || "no python3 on PATH"}). ${JUPYTER_INSTALL_HINT}; or pass --python PATH`);
}

/** The kernel.json this project installs. */
export function kernelSpec(node = process.execPath, tslab = TSLAB_BIN): Record<string, unknown> {
  return {
    argv: [node, tslab, "kernel", "--config-path", "{connection_file}"],
    display_name: TSLAB_KERNELSPEC.display_name,
    language: TSLAB_KERNELSPEC.language,
    metadata: { "gan-repro": { project: PROJECT_ROOT } },
  };
}

export type InstallWhere = "user" | "sys-prefix" | { prefix: string };

/** Install the kernelspec as "tslab" (the name the notebooks ask for); returns where it went. */
export function installKernelSpec(info: PythonInfo, where: InstallWhere): string {
  if (!fs.existsSync(TSLAB_BIN)) throw new UserError(`tslab is not installed in this project (${path.relative(process.cwd(), TSLAB_BIN)} is missing): run npm ci first`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gan-kernelspec-"));
  try {
    fs.writeFileSync(path.join(dir, "kernel.json"), `${JSON.stringify(kernelSpec(), null, 2)}\n`);
    const script = [
      "import sys",
      "from jupyter_client.kernelspec import KernelSpecManager",
      "where = sys.argv[2]",
      'prefix = sys.prefix if where == "sys-prefix" else (where[len("prefix:"):] if where.startswith("prefix:") else None)',
      `print(KernelSpecManager().install_kernel_spec(sys.argv[1], kernel_name=${JSON.stringify(TSLAB_KERNELSPEC.name)}, user=where == "user", prefix=prefix, replace=True))`,
    ].join("\n");
    const arg = typeof where === "string" ? where : `prefix:${where.prefix}`;
    const r = spawnSync(info.python, ["-c", script, dir, arg], { encoding: "utf8", timeout: 120_000 });
    if (r.status !== 0) throw new UserError(`installing the kernelspec with ${info.python} failed: ${(r.stderr || r.stdout).trim().split("\n").pop()}`);
    return r.stdout.trim().split("\n").pop() ?? "";
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
