// CLI start-up: wall time of `berth dependency list` against a real `berth serve`, measured
// against `node -e 0` (the floor any Node CLI pays) in the same run, interleaved.
// Writes test/bench/results/cli-startup.json. Target (issue 14): list under 0.4 s.
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { startBerth } from "./lib/berth.mjs";
import { envInt, logger, median, root } from "./lib/measure.mjs";

const log = logger("cli-startup");
const rounds = envInt("BENCH_CLI_ROUNDS", 15);
const berth = await startBerth({}, { log });
try {
  const cli = join(root, "sdk/cli/dist/main.js");
  const env = { ...process.env, BERTH_API: berth.address, BERTH_TOKEN: berth.config.adminToken };
  const time = (args) => {
    const started = performance.now();
    execFileSync(process.execPath, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    return performance.now() - started;
  };
  time([cli, "dependency", "list"]); // warm the file cache
  const list = [];
  const floor = [];
  for (let round = 0; round < rounds; round++) {
    floor.push(time(["-e", "0"]));
    list.push(time([cli, "dependency", "list"]));
  }
  const result = {
    rounds,
    nodeFloorMs: Math.round(median(floor)),
    dependencyListMs: Math.round(median(list)),
    ratio: Number((median(list) / median(floor)).toFixed(2)),
    targetMs: 400,
  };
  log(`berth dependency list: median ${result.dependencyListMs} ms; node -e 0: ${result.nodeFloorMs} ms; ratio ${result.ratio}× (target < 400 ms wall)`);
  mkdirSync(join(root, "test/bench/results"), { recursive: true });
  writeFileSync(join(root, "test/bench/results/cli-startup.json"), `${JSON.stringify(result, null, 2)}\n`);
} finally {
  await berth.stop();
}
