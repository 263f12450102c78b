import { createReadStream, statSync } from "node:fs";
import { createServer } from "node:http";
import { join, normalize, resolve, sep } from "node:path";
import type { RuntimeDriver, Workload, WorkloadSpec } from "./runtime-target.js";

/**
 * Serves the resource's directory (`cwd`) over HTTP on `PORT` from its env.
 * It runs no code, so it cannot deliver dependency secrets.
 */
export const staticDriver: RuntimeDriver = {
  kind: "static",
  canDeliverDependencySecrets: false,
  reservedEnvVars: new Set(),
  async start(spec: WorkloadSpec): Promise<Workload> {
    const root = resolve(spec.cwd || ".");
    const server = createServer((request, response) => {
      try {
        const path = normalize(join(root, decodeURIComponent(new URL(request.url ?? "/", "http://x").pathname)));
        const file = path.endsWith(sep) ? join(path, "index.html") : path;
        if (!(file === root || file.startsWith(root + sep)) || !statSync(file).isFile()) throw new Error("not a file");
        createReadStream(file)
          .on("error", () => response.destroy())
          .pipe(response);
      } catch {
        response.writeHead(404).end("not found\n");
      }
    });
    await new Promise<void>((resolveListen, reject) => {
      server.once("error", reject);
      server.listen(Number(spec.env.PORT ?? 0), "127.0.0.1", () => resolveListen());
    });
    return {
      stop: () => new Promise<void>((resolveClose) => server.close(() => resolveClose())),
    };
  },
};
