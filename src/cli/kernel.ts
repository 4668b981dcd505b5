/**
 * npm run kernel -- install [--python PATH] [--user | --sys-prefix | --prefix DIR]: register this project's
 * tslab kernel with Jupyter (see src/notebook/kernelspec.ts).
 */
import * as path from "node:path";
import { UserError } from "../errors";
import { findJupyterPython, installKernelSpec, kernelSpec, PROJECT_ROOT } from "../notebook/kernelspec";
import { parse, runMain } from "./common";

const USAGE = `usage: npm run kernel -- install [--python PATH] [--user | --sys-prefix | --prefix DIR]
Registers this project's TypeScript kernel (tslab) with Jupyter as "tslab", the kernel the
notebooks ask for. Its kernelspec runs this project's tslab by absolute path with this Node.
  --python      the Python whose Jupyter gets the kernel (default: the first python3 on PATH that
                has Jupyter, then /usr/bin/python3)
  --user        install for this user (default)
  --sys-prefix  install into that Python's prefix (e.g. a virtualenv)
  --prefix DIR  install into DIR/share/jupyter/kernels (use with JUPYTER_PATH=DIR/share/jupyter)`;

runMain(async () => {
  const { values, positionals } = parse({ python: { type: "string" }, user: { type: "boolean" }, "sys-prefix": { type: "boolean" }, prefix: { type: "string" } }, USAGE);
  if (positionals[0] !== "install" || positionals.length > 1) {
    throw new UserError(positionals.length ? `unknown command "${positionals.join(" ")}" (usage: npm run kernel -- install)` : "no command given (usage: npm run kernel -- install)");
  }
  if ([values.user, values["sys-prefix"], values.prefix !== undefined].filter(Boolean).length > 1) throw new UserError("--user, --sys-prefix and --prefix exclude each other");
  const info = findJupyterPython(values.python);
  const found = Object.entries(info.modules).map(([m, v]) => `${m} ${v}`).join(", ");
  console.log(`Python: ${info.python} (${found})`);
  const dir = installKernelSpec(info, values.prefix !== undefined ? { prefix: path.resolve(values.prefix) } : values["sys-prefix"] ? "sys-prefix" : "user");
  console.log(`installed kernelspec "tslab" in ${dir}`);
  if (values.prefix !== undefined) console.log(`  (Jupyter finds it with JUPYTER_PATH=${path.resolve(values.prefix, "share", "jupyter")})`);
  console.log(`  argv: ${(kernelSpec().argv as string[]).join(" ")}`);
  const nbDir = path.relative(process.cwd(), path.join(PROJECT_ROOT, "notebooks")) || ".";
  const py = info.python;
  if (info.modules.notebook) console.log(`start Jupyter: ${py} -m notebook ${nbDir}  (then pick a notebook; kernel "TypeScript")`);
  if (info.modules.jupyterlab) console.log(`or JupyterLab: ${py} -m jupyterlab ${nbDir}`);
  if (info.modules.nbconvert) console.log(`run one headlessly: ${py} -m nbconvert --to notebook --execute --inplace ${path.join(nbDir, "intro.ipynb")}`);
  if (!info.modules.notebook && !info.modules.jupyterlab) console.log(`(${py} has no Notebook or JupyterLab to open notebooks in: Debian jupyter-notebook, or pip install notebook)`);
});
