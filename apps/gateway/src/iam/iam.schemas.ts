import { z } from 'zod';

const domainRef = z.object({
  id: z.string().min(1).max(64).optional(),
  name: z.string().min(1).max(64).optional(),
});

/** `POST /v3/auth/tokens` body, password method with an optional project scope (Huawei IAM shape). */
export const tokenRequestSchema = z.object({
  auth: z.object({
    identity: z.object({
      methods: z.array(z.string()).min(1),
      password: z.object({
        user: z.object({
          name: z.string().min(1).max(64),
          password: z.string().min(1).max(1024),
          domain: domainRef.optional(),
        }),
      }),
    }),
    scope: z
      .object({
        project: z
          .object({
            id: z.string().min(1).max(64).optional(),
            name: z.string().min(1).max(64).optional(),
            domain: domainRef.optional(),
          })
          .refine((p) => p.id !== undefined || p.name !== undefined, {
            message: 'scope.project needs an id or a name',
          }),
      })
      .optional(),
  }),
});

export type TokenRequest = z.infer<typeof tokenRequestSchema>;

/** IAM domain/project/user reference in responses. */
export interface IamRef {
  id: string;
  name: string;
}

/** `POST /v3/auth/tokens` response body. */
export interface TokenResponseBody {
  token: {
    expires_at: string;
    issued_at: string;
    methods: ['password'];
    project: IamRef & { domain: IamRef };
    user: IamRef & { domain: IamRef };
    roles: [];
    catalog: [];
  };
}

/** One element of `GET /v3/projects`. */
export interface IamProject {
  id: string;
  name: string;
  domain_id: string;
  enabled: true;
  description: string;
}
