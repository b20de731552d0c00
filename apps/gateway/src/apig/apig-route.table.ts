import type { ApigRoute } from './apig-route';

interface ProjectRoutes {
  /** By API group id. */
  groups: Map<string, ApigRoute[]>;
  expiresAt: number;
}

/**
 * The APIs of each project, loaded once per project and kept until a trigger or function of the project changes
 * (this gateway's own changes and `trigger.changed` / `function.changed` control events from the others); the TTL
 * bounds how long a missed event can keep a stale entry. A load that raced with an eviction is not kept.
 */
export class ApigRouteTable {
  private readonly projects = new Map<string, ProjectRoutes>();
  private readonly generations = new Map<string, number>();

  constructor(
    private readonly load: (projectId: string) => Promise<ApigRoute[]>,
    private readonly ttlMs: number,
    private readonly maxProjects = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  async routesOf(projectId: string, groupId: string): Promise<ApigRoute[]> {
    const hit = this.projects.get(projectId);
    if (hit && hit.expiresAt > this.now()) return hit.groups.get(groupId) ?? [];
    const generation = this.generations.get(projectId) ?? 0;
    const groups = new Map<string, ApigRoute[]>();
    for (const route of await this.load(projectId)) {
      const list = groups.get(route.groupId) ?? [];
      list.push(route);
      groups.set(route.groupId, list);
    }
    if (this.ttlMs > 0 && (this.generations.get(projectId) ?? 0) === generation) {
      if (!this.projects.has(projectId) && this.projects.size >= this.maxProjects)
        this.projects.delete(this.projects.keys().next().value as string);
      this.projects.set(projectId, { groups, expiresAt: this.now() + this.ttlMs });
    }
    return groups.get(groupId) ?? [];
  }

  /** Forgets a project's APIs; a load in flight for it is not kept either. */
  evictProject(projectId: string): void {
    this.projects.delete(projectId);
    this.generations.set(projectId, (this.generations.get(projectId) ?? 0) + 1);
  }

  get size(): number {
    return this.projects.size;
  }
}
