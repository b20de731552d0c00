import { Inject, Injectable, Optional } from '@nestjs/common';
import { IamAdminRepository, IdentityRepository } from '@ofg/data-access';
import { PasswordHasher, TokenService } from '@ofg/security';
import { FgsAuthContext } from '../auth/auth-context';
import { AuthIdentityService } from '../auth/auth-identity.service';
import { IamError } from './iam-error';
import { firstQueryValue } from './iam-body';
import { iamTime } from './iam-time';
import { IamProject, TokenResponseBody, tokenRequestSchema } from './iam.schemas';

/** The repository calls the IAM subset needs. */
export type IamIdentityReader = Pick<
  IdentityRepository,
  'findUserByName' | 'findProjectById' | 'findProjectByName'
>;

/** Project reads with descriptions and domain-wide listing, for administrators. */
export type ProjectDirectory = Pick<IamAdminRepository, 'findProject' | 'listProjects'>;

export interface IssuedIamToken {
  /** Goes into the `X-Subject-Token` response header. */
  subjectToken: string;
  body: TokenResponseBody;
}

/** The IAM subset clients need: password tokens scoped to the user's project, and the project look-up. */
@Injectable()
export class IamService {
  private dummyHash: Promise<string> | undefined;

  constructor(
    @Inject(IdentityRepository) private readonly identity: IamIdentityReader,
    private readonly hasher: PasswordHasher,
    private readonly tokens: TokenService,
    // Absent only in test modules that provide IdentityRepository alone; listing then stays caller-scoped.
    @Optional() @Inject(IamAdminRepository) private readonly directory?: ProjectDirectory,
    @Optional()
    @Inject(AuthIdentityService)
    private readonly membership?: Pick<AuthIdentityService, 'canActIn'>,
  ) {}

  async issueToken(request: unknown): Promise<IssuedIamToken> {
    const parsed = tokenRequestSchema.safeParse(request);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw IamError.badRequest(`Invalid request body: ${issue.path.join('.') || 'body'}: ${issue.message}`);
    }
    const { identity, scope } = parsed.data.auth;
    if (!identity.methods.includes('password'))
      throw IamError.badRequest('Only the "password" authentication method is supported.');
    const { name, password, domain } = identity.password.user;

    const user = await this.identity.findUserByName(name);
    // Unknown users cost a hash as well, so response time does not reveal which names exist.
    const passwordOk = await this.hasher.verify(password, user?.passwordHash ?? (await this.dummy()));
    if (!user || !passwordOk || !user.enabled) throw IamError.wrongPassword();
    // User names are unique across domains here, so the domain name is informational; a domain id must match.
    if (domain?.id !== undefined && domain.id !== user.domainId) throw IamError.wrongPassword();

    const project = await this.scopedProject(scope?.project, {
      userId: user.id,
      domainId: user.domainId,
      homeProjectId: user.projectId,
    });
    if (!project) throw new IamError(401, 'The user has no access to the requested project.');

    const issued = this.tokens.issue({ userId: user.id, projectId: project.id, domainId: user.domainId });
    const domainRef = { id: user.domainId, name: user.domainId };
    return {
      subjectToken: issued.token,
      body: {
        token: {
          expires_at: iamTime(issued.expiresAt),
          issued_at: iamTime(issued.issuedAt),
          methods: ['password'],
          project: { id: project.id, name: project.name, domain: domainRef },
          user: { id: user.id, name: user.name, domain: domainRef },
          roles: [],
          catalog: [],
        },
      },
    };
  }

  /**
   * `GET /v3/projects`: every project of the caller's domain for holders of `iam:projects:listProjects`, otherwise the
   * project of the caller's credential; optionally filtered by `?name=`.
   */
  async listProjects(
    auth: FgsAuthContext,
    name?: string | string[],
    allProjects = false,
  ): Promise<{ projects: IamProject[] }> {
    const wanted = firstQueryValue(name);
    const toIam = (p: { id: string; name: string; domainId: string; description?: string }): IamProject => ({
      id: p.id,
      name: p.name,
      domain_id: p.domainId,
      enabled: true,
      description: p.description ?? '',
    });
    if (allProjects && this.directory)
      return { projects: (await this.directory.listProjects(auth.domainId, wanted)).map(toIam) };
    const project = this.directory
      ? await this.directory.findProject(auth.domainId, auth.projectId)
      : await this.identity.findProjectById(auth.projectId);
    if (!project || (wanted !== undefined && wanted !== project.name)) return { projects: [] };
    return { projects: [toIam(project)] };
  }

  /** The requested project (the user's own when no scope is given) if the user may use it; users belong to one project. */
  /** The requested project (default: the user's own) when the user may work there: its own, or one where it holds a role. */
  private async scopedProject(
    requested: { id?: string; name?: string } | undefined,
    user: { userId: string; domainId: string; homeProjectId: string },
  ): Promise<{ id: string; name: string } | undefined> {
    const project =
      requested?.id !== undefined
        ? await this.identity.findProjectById(requested.id)
        : requested?.name !== undefined
          ? await this.identity.findProjectByName(requested.name)
          : await this.identity.findProjectById(user.homeProjectId);
    if (!project) return undefined;
    const allowed =
      project.id === user.homeProjectId || ((await this.membership?.canActIn(user, project.id)) ?? false);
    if (!allowed) return undefined;
    if (requested?.name !== undefined && requested.name !== project.name) return undefined;
    return project;
  }

  private dummy(): Promise<string> {
    this.dummyHash ??= this.hasher.hash('timing-equaliser');
    return this.dummyHash;
  }
}
