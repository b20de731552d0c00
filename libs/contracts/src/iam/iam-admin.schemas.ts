import { z } from 'zod';

/** IAM user names: a letter or underscore first, then letters, digits, `_`, `-`, `.`; at most 64 characters. */
export const IAM_USER_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;
/** Project names: letters, digits, `_`, `-`, `.`; at most 64 characters (Huawei's are `{region}[_{suffix}]`). */
export const IAM_PROJECT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
/** Project ids here are 32 hex characters; bootstrap ids may be any 1-64 letters, digits, `_` or `-`. */
export const IAM_PROJECT_ID = /^[A-Za-z0-9_-]{1,64}$/;

const password = z.string().min(8, 'must be at least 8 characters').max(1024);

/** `POST /v3/users`. */
export const createUserSchema = z.object({
  user: z.object({
    name: z
      .string()
      .regex(IAM_USER_NAME, 'must be 1-64 letters, digits, _, - or ., not starting with a digit'),
    password,
    enabled: z.boolean().optional(),
    default_project_id: z.string().regex(IAM_PROJECT_ID).optional(),
    domain_id: z.string().max(64).optional(),
    description: z.string().max(255).optional(),
  }),
});
export type CreateUserBody = z.infer<typeof createUserSchema>;

/** `PATCH /v3/users/{user_id}`. */
export const updateUserSchema = z.object({
  user: z
    .object({ enabled: z.boolean().optional(), password: password.optional() })
    .refine((u) => u.enabled !== undefined || u.password !== undefined, {
      message: 'give enabled and/or password',
    }),
});
export type UpdateUserBody = z.infer<typeof updateUserSchema>;

/** `POST /v3/projects`. */
export const createProjectSchema = z.object({
  project: z.object({
    name: z.string().regex(IAM_PROJECT_NAME, 'must be 1-64 letters, digits, _, - or .'),
    description: z.string().max(255).optional(),
    domain_id: z.string().max(64).optional(),
    parent_id: z.string().max(64).optional(),
  }),
});
export type CreateProjectBody = z.infer<typeof createProjectSchema>;

/** `POST /v3.0/OS-CREDENTIAL/credentials`. */
export const createCredentialSchema = z.object({
  credential: z.object({
    user_id: z.string().min(1).max(64),
    description: z.string().max(255).optional(),
  }),
});
export type CreateCredentialBody = z.infer<typeof createCredentialSchema>;

/** `PUT /v3.0/OS-CREDENTIAL/credentials/{access_key}`. */
export const updateCredentialSchema = z.object({
  credential: z
    .object({
      status: z.enum(['active', 'inactive']).optional(),
      description: z.string().max(255).optional(),
    })
    .refine((c) => c.status !== undefined || c.description !== undefined, {
      message: 'give status and/or description',
    }),
});
export type UpdateCredentialBody = z.infer<typeof updateCredentialSchema>;

/** A user in IAM responses. */
export interface IamUserDto {
  id: string;
  name: string;
  enabled: boolean;
  default_project_id: string;
  domain_id: string;
  password_expires_at: null;
}

/** A project in IAM responses. */
export interface IamProjectDto {
  id: string;
  name: string;
  domain_id: string;
  parent_id: string;
  enabled: true;
  is_domain: false;
  description: string;
}

/** A permanent access key in IAM responses; `secret` only in the creation response. */
export interface IamCredentialDto {
  access: string;
  secret?: string;
  user_id: string;
  status: 'active' | 'inactive';
  description: string;
  create_time: string;
}

/** A role in IAM responses. */
export interface IamRoleDto {
  id: string;
  name: string;
  display_name: string;
  description: string;
  type: 'system';
  policy: {
    Version: '1.1';
    Statement: ReadonlyArray<{ Effect: 'Allow' | 'Deny'; Action: readonly string[] }>;
  };
}
