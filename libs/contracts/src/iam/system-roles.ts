import { PolicyDocument } from './policy';

/** A named set of policies granted to a user per project (custom roles could join later). */
export interface SystemRole {
  /** Stored in role_assignments.role_name and used in grant paths. */
  name: string;
  /** Short alias accepted in grant paths (no spaces to escape). */
  id: string;
  display_name: string;
  description: string;
  policy: PolicyDocument;
}

const allow = (...actions: string[]): PolicyDocument => ({
  Version: '1.1',
  Statement: [{ Effect: 'Allow', Action: actions }],
});

export const ADMIN_ROLE = 'admin';
export const FGS_FULL_ACCESS_ROLE = 'FunctionGraph FullAccess';
export const FGS_READ_ONLY_ROLE = 'FunctionGraph ReadOnlyAccess';
export const FGS_COMMON_OPERATIONS_ROLE = 'FunctionGraph CommonOperations';

/** The system roles, equivalent to FunctionGraph's system policies plus an administrator of this installation. */
export const SYSTEM_ROLES: readonly SystemRole[] = [
  {
    name: ADMIN_ROLE,
    id: 'admin',
    display_name: 'OpenFunctionGraph Administrator',
    description: 'All FunctionGraph operations plus user, project, role and access key administration',
    policy: allow('iam:*:*', 'functiongraph:*:*'),
  },
  {
    name: FGS_FULL_ACCESS_ROLE,
    id: 'fgs_full_access',
    display_name: FGS_FULL_ACCESS_ROLE,
    description: 'All permissions for FunctionGraph',
    policy: allow('functiongraph:*:*'),
  },
  {
    name: FGS_READ_ONLY_ROLE,
    id: 'fgs_read_only_access',
    display_name: FGS_READ_ONLY_ROLE,
    description:
      'Read-only permissions for FunctionGraph: list and query functions, aliases, versions and triggers',
    policy: allow('functiongraph:*:get*', 'functiongraph:*:list*'),
  },
  {
    name: FGS_COMMON_OPERATIONS_ROLE,
    id: 'fgs_common_operations',
    display_name: FGS_COMMON_OPERATIONS_ROLE,
    description: 'Query functions and triggers and invoke functions; no create, update or delete',
    policy: allow('functiongraph:*:get*', 'functiongraph:*:list*', 'functiongraph:function:invoke*'),
  },
];

/** A system role by its name or id, case-insensitively. */
export function findSystemRole(nameOrId: string): SystemRole | undefined {
  const wanted = nameOrId.trim().toLowerCase();
  return SYSTEM_ROLES.find((r) => r.name.toLowerCase() === wanted || r.id === wanted);
}

/** The policies of the named roles; unknown names (e.g. a role removed in a later release) grant nothing. */
export function policiesOfRoles(roleNames: readonly string[]): PolicyDocument[] {
  return roleNames.flatMap((name) => {
    const role = findSystemRole(name);
    return role ? [role.policy] : [];
  });
}
