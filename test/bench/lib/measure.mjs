// Shared helpers of the benchmarks: formatting, statistics, CPU and RSS of processes from /proc,
// the machine's load, and writing results to test/bench/results/<name>.json.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { fileURLToPath } from "node:url";

export const root = fileURLToPath(new URL("../../../", import.meta.url));

export const MiB = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
export const GiB = (bytes) => `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
export const secs = (ms, digits = 1) => `${(ms / 1000).toFixed(digits)} s`;
export const best = (values) => Math.min(...values);
/** The median; of an even number of values, the mean of the middle two. */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** `[bench-name HH:MM:SS] line` on stdout. */
export const logger = (name) => (line) => console.log(`[${name} ${new Date().toISOString().slice(11, 19)}] ${line}`);

/** The list rotated left by `round`: each round starts with another entry, so none always runs first. */
export const rotate = (list, round) => [...list.slice(round % list.length), ...list.slice(0, round % list.length)];

/** A positive integer from the environment, or the default. */
export function envInt(name, fallback) {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value < 1) throw new Error(`${name} must be a positive number`);
  return Math.floor(value);
}

/** CPU seconds of a process (user + system) and of its reaped children (the tools it ran). */
export function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  const tick = (i) => Number(fields[i - 3]) / 100; // fields are numbered from 1, and 3 is the first after "comm) "; USER_HZ is 100 on Linux
  return { own: tick(14) + tick(15), children: tick(16) + tick(17) };
}

/** Like cpuSeconds, but NaN for a process that is not ours to read (a remote server). */
export function cpuSecondsOrNaN(pid) {
  try {
    return cpuSeconds(pid);
  } catch {
    return { own: NaN, children: NaN };
  }
}

/** Samples VmRSS every 100 ms; VmHWM is reset at start (clear_refs 5) so it is this phase's peak. */
export function rssSampler(pid) {
  const read = () => {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0) * 1024;
    return { rss: kb("VmRSS"), hwm: kb("VmHWM") };
  };
  let hwmReset = true;
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, "5");
  } catch {
    hwmReset = false; // then VmHWM is the process's lifetime peak
  }
  const start = read().rss;
  const cpu0 = cpuSeconds(pid);
  let peak = start;
  let samples = 0;
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, read().rss);
      samples++;
    } catch {
      /* the process is gone; the job will report it */
    }
  }, 100);
  return {
    stop() {
      clearInterval(timer);
      const end = read();
      const cpu = cpuSeconds(pid);
      return { serverCpuSeconds: cpu.own - cpu0.own, toolCpuSeconds: cpu.children - cpu0.children, startRssBytes: start, peakRssBytes: Math.max(peak, end.rss), endRssBytes: end.rss, vmHwmBytes: end.hwm, vmHwmIsPhasePeak: hwmReset, samples };
    },
  };
}

/** Cores and load averages, for the record: the benchmarks share a small machine with other work. */
export function machine() {
  const [one, five, fifteen] = loadavg();
  return { cores: availableParallelism(), loadAverage: { one, five, fifteen } };
}
export const loadText = (m = machine()) => `${m.cores} cores, load average ${m.loadAverage.one.toFixed(2)} / ${m.loadAverage.five.toFixed(2)} / ${m.loadAverage.fifteen.toFixed(2)} (1 / 5 / 15 min)`;

/** Writes test/bench/results/<name>.json; returns its path. */
export function writeResults(name, data) {
  mkdirSync(`${root}test/bench/results`, { recursive: true });
  const out = `${root}test/bench/results/${name}.json`;
  writeFileSync(out, `${JSON.stringify(data, null, 2)}\n`);
  return out;
}
