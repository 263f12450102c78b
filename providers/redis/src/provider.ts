import {
  connectionDescriber,
  defineProvider,
  isProviderError,
  ProviderError,
  type BackupRequest,
  type DescribeContentRequest,
  type Provider,
  type RealizationTarget,
  type RealizeRequest,
  type ReleaseRequest,
  type RestoreRequest,
  redisUrlRule,
} from "@berth/provider-sdk";
import { backup } from "./backup.js";
import { describeContent } from "./content.js";
import { REDIS_FORMAT } from "./dump-format.js";
import { probe } from "./probe.js";
import { realize, release } from "./realize.js";
import { restore } from "./restore.js";

/** The SDK's one redis URL rule; this provider handles only its own kind. */
const describeConnection = connectionDescriber(redisUrlRule);

/** Checks a target's admin URL with the same rules as connection URLs; a bad one is operator input. */
function checkTarget(target: RealizationTarget): void {
  try {
    describeConnection("redis", target.adminUrl);
  } catch (error) {
    if (!isProviderError(error)) throw error;
    throw new ProviderError("invalid_input", `the realization target ${target.name}'s admin URL: ${error.message}`, { field: "target" });
  }
}

/**
 * Redis: managed dependencies (an ACL user and a key prefix per dependency in
 * database 0), and native backup and in-place restore of a dependency's keys
 * (its prefix) or of an imported connection's whole database, with TTLs.
 */
export const redisProvider: Provider = defineProvider({ name: "@berth/provider-redis", version: "0.1.0", kinds: ["redis"], backupFormat: REDIS_FORMAT }, {
  describeConnection,
  async realize(request: RealizeRequest) {
    checkTarget(request.target);
    return realize(request);
  },
  async release(request: ReleaseRequest) {
    checkTarget(request.target);
    return release(request);
  },
  probe,
  async backup(request: BackupRequest) {
    describeConnection(request.kind, request.connectionUrl);
    return backup(request);
  },
  async restore(request: RestoreRequest) {
    describeConnection(request.kind, request.connectionUrl);
    return restore(request);
  },
  async describeContent(request: DescribeContentRequest) {
    describeConnection(request.kind, request.connectionUrl);
    return describeContent(request);
  },
});
