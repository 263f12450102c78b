import type { Knex } from "@berth/runtime";

/**
 * State other packages' tests arrange in this service's schema, through this package
 * (its schema is its own): never SQL of theirs against berth_dependency.
 */
export const dependencyTestSupport = {
  /** Loses every stored secret version of a dependency, as a restore of the wrong state database would. */
  async loseSecrets(db: Knex, dependencyId: string): Promise<number> {
    return db("secrets").where({ owner_id: dependencyId }).delete();
  },
};
