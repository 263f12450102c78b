import { localProcessDriver } from "./local-process.js";
import type { RuntimeDriver } from "./runtime-target.js";
import { staticDriver } from "./static.js";

/** Every runtime target kind this build knows. */
export const RUNTIME_DRIVERS: ReadonlyMap<string, RuntimeDriver> = new Map([localProcessDriver, staticDriver].map((driver) => [driver.kind, driver]));
