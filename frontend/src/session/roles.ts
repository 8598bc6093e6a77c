import type { Role } from '../gql/graphql'

const rank: Record<Role, number> = { VIEWER: 0, ANALYST: 1, ADMIN: 2, OWNER: 3 }

/** All roles, highest first. */
const ROLES: readonly Role[] = ['OWNER', 'ADMIN', 'ANALYST', 'VIEWER']

/**
 * Whether `role` includes the permissions of `atLeast` (OWNER > ADMIN >
 * ANALYST > VIEWER). The dashboard uses it to hide what a role cannot do;
 * the server still decides.
 */
export function hasRole(role: Role | null | undefined, atLeast: Role): boolean {
  return role != null && rank[role] >= rank[atLeast]
}

/** Roles a member with `role` may grant: OWNER only by an OWNER. */
export function grantableRoles(role: Role | null | undefined): Role[] {
  if (!hasRole(role, 'ADMIN')) return []
  return ROLES.filter((r) => r !== 'OWNER' || role === 'OWNER')
}
