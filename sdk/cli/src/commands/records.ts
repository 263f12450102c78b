import { type BerthClient } from "@berth/client";
import { printBackup, printRestore } from "../present-backup.js";
import { printBinding } from "../present-binding.js";
import { printDeployment, printResource, printRuntimeTarget } from "../present-deployment.js";
import { printDrill } from "../present-drill.js";
import { printToken } from "../present-token.js";
import { printDependency } from "../present.js";
import { type Printer } from "./common.js";
import { ID_ARGUMENTS, type Subject } from "./resolve.js";

/**
 * A kind of record a command names by its positional: how it is given (a
 * subject by id or name, or an id), fetched by id, and printed.
 */
export interface RecordKind<T> {
  subject?: Subject;
  argument?: [string, string];
  get: (client: BerthClient, id: string) => Promise<T | undefined>;
  print: Printer<T>;
}

function kind<T>(record: RecordKind<T>): RecordKind<T> {
  return record;
}

/** Every kind of record a `show` (or a `…-status`) prints. */
export const RECORDS = {
  dependency: kind({ subject: "dependency", get: async (client, id) => (await client.dependency.getDependency({ id })).dependency, print: printDependency }),
  resource: kind({ subject: "resource", get: async (client, id) => (await client.deployment.getResource({ id })).resource, print: printResource }),
  server: kind({ subject: "server", get: async (client, id) => (await client.deployment.getRuntimeTarget({ id })).runtimeTarget, print: printRuntimeTarget }),
  deployment: kind({ argument: ID_ARGUMENTS.deployment, get: async (client, id) => (await client.deployment.getDeployment({ id })).deployment, print: printDeployment }),
  binding: kind({ argument: ID_ARGUMENTS.binding, get: async (client, id) => (await client.binding.getBinding({ id })).binding, print: printBinding }),
  backup: kind({ argument: ID_ARGUMENTS.backup, get: async (client, id) => (await client.backup.getBackup({ id })).backup, print: printBackup }),
  restore: kind({ argument: ID_ARGUMENTS.restore, get: async (client, id) => (await client.backup.getRestore({ id })).restore, print: printRestore }),
  drill: kind({ argument: ID_ARGUMENTS.drill, get: async (client, id) => (await client.backup.getDrill({ id })).drill, print: printDrill }),
  token: kind({ argument: ID_ARGUMENTS.token, get: async (client, id) => (await client.access.getToken({ id })).token, print: printToken }),
};
