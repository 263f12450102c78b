import { Transform } from "node:stream";

/** Passes bytes through, reporting the running count at most every half second (Watch, progress bars). */
export function progressCounter(report: (bytes: number) => Promise<unknown>): Transform & { bytes(): number } {
  let bytes = 0;
  let last = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      if (Date.now() - last > 500) {
        last = Date.now();
        void report(bytes).catch(() => undefined);
      }
      callback(null, chunk);
    },
  }) as Transform & { bytes(): number };
  counter.bytes = () => bytes;
  return counter;
}
