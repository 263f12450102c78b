import { Role } from "@berth/client";

/** A role's name as the CLI, the database and reasons spell it. Each includes the ones before it. */
export const ROLE_NAMES = ["viewer", "deployer", "operator", "admin"] as const;
export type RoleName = (typeof ROLE_NAMES)[number];

/** Who may call an RPC: a role, or only the internal service credential. */
export type Requirement = RoleName | "internal";

export function roleRank(role: RoleName): number {
  return ROLE_NAMES.indexOf(role);
}

/** Whether `held` includes everything `needed` may do. */
export function isRoleAtLeast(held: RoleName, needed: RoleName): boolean {
  return roleRank(held) >= roleRank(needed);
}

const BY_ENUM: Record<number, RoleName> = { [Role.ROLE_VIEWER]: "viewer", [Role.ROLE_DEPLOYER]: "deployer", [Role.ROLE_OPERATOR]: "operator", [Role.ROLE_ADMIN]: "admin" };

export function roleFromProto(role: Role): RoleName | undefined {
  return BY_ENUM[role];
}

export function roleToProto(role: RoleName): Role {
  return Number(Object.entries(BY_ENUM).find(([, name]) => name === role)![0]) as Role;
}
