import { Inject, Injectable } from '@nestjs/common';
import { createProjectSchema, IamProjectDto } from '@ofg/contracts';
import { IamAdminRepository, ProjectRecord } from '@ofg/data-access';
import { generateHexId } from '@ofg/security';
import { FgsAuthContext } from '../auth/auth-context';
import { isUniqueViolation } from '../common/unique-violation';
import { IamError } from './iam-error';
import { parseIamBody } from './iam-body';

export type ProjectStore = Pick<IamAdminRepository, 'createProject'>;

export function toProjectDto(project: ProjectRecord): IamProjectDto {
  return {
    id: project.id,
    name: project.name,
    domain_id: project.domainId,
    parent_id: project.domainId,
    enabled: true,
    is_domain: false,
    description: project.description,
  };
}

/** Project creation in the caller's domain (listing stays in IamService, which the SDK uses). */
@Injectable()
export class ProjectAdminService {
  constructor(@Inject(IamAdminRepository) private readonly store: ProjectStore) {}

  async create(auth: FgsAuthContext, body: unknown): Promise<{ project: IamProjectDto }> {
    const { project } = parseIamBody(createProjectSchema, body);
    if (project.domain_id !== undefined && project.domain_id !== auth.domainId)
      throw IamError.badRequest('domain_id must be the domain of the caller');
    if (project.parent_id !== undefined && project.parent_id !== auth.domainId)
      throw IamError.badRequest(
        'parent_id must be the domain of the caller (sub-projects are not supported)',
      );
    try {
      const created = await this.store.createProject({
        id: generateHexId(),
        name: project.name,
        domainId: auth.domainId,
        description: project.description ?? '',
      });
      return { project: toProjectDto(created) };
    } catch (err) {
      if (isUniqueViolation(err)) throw new IamError(409, `The project name ${project.name} already exists.`);
      throw err;
    }
  }
}
