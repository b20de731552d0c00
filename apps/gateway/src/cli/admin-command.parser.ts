/** One HTTP call of the IAM administration API. */
export interface AdminRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  body?: unknown;
}

export const ADMIN_USAGE = `usage: ofg-admin <command>

  projects list [--name NAME]
  projects create NAME [--description TEXT]
  users list [--name NAME]
  users create NAME --password PASSWORD [--project PROJECT_ID]
  users get|enable|disable|delete USER_ID
  users password USER_ID --password PASSWORD
  roles list
  roles show PROJECT_ID USER_ID
  roles grant|revoke PROJECT_ID USER_ID ROLE     (ROLE: admin, "FunctionGraph FullAccess", fgs_read_only_access, ...)
  keys list [--user USER_ID]
  keys create USER_ID [--description TEXT]
  keys get|delete ACCESS_KEY
  keys enable|disable ACCESS_KEY

environment: OFG_ENDPOINT (default http://127.0.0.1:8080), and OFG_AK + OFG_SK or OFG_TOKEN of an administrator
`;

export class AdminUsageError extends Error {}

/** Splits `--flag value` options from positional arguments. */
function split(args: readonly string[]): { positional: string[]; options: Map<string, string> } {
  const positional: string[] = [];
  const options = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg.startsWith('--')) {
      const value = args[i + 1];
      if (value === undefined || value.startsWith('--')) throw new AdminUsageError(`${arg} needs a value`);
      options.set(arg.slice(2), value);
      i++;
    } else {
      positional.push(arg);
    }
  }
  return { positional, options };
}

const seg = encodeURIComponent;

/** Turns `ofg-admin` arguments into the API call; throws AdminUsageError for anything it does not understand. */
export function parseAdminCommand(argv: readonly string[]): AdminRequest {
  const [noun, verb, ...rest] = argv;
  const { positional: args, options } = split(rest);
  const need = (count: number): string[] => {
    if (args.length !== count) throw new AdminUsageError(`${noun} ${verb} takes ${count} argument(s)`);
    return args;
  };
  const option = (name: string): string => {
    const value = options.get(name);
    if (value === undefined) throw new AdminUsageError(`${noun} ${verb} needs --${name}`);
    return value;
  };
  const query = (name: string, key: string): string =>
    options.has(name) ? `?${key}=${seg(options.get(name) as string)}` : '';

  switch (`${noun} ${verb}`) {
    case 'projects list':
      need(0);
      return { method: 'GET', path: `/v3/projects${query('name', 'name')}` };
    case 'projects create': {
      const [name] = need(1);
      const description = options.get('description');
      return {
        method: 'POST',
        path: '/v3/projects',
        body: { project: { name, ...(description !== undefined ? { description } : {}) } },
      };
    }
    case 'users list':
      need(0);
      return { method: 'GET', path: `/v3/users${query('name', 'name')}` };
    case 'users create': {
      const [name] = need(1);
      const project = options.get('project');
      return {
        method: 'POST',
        path: '/v3/users',
        body: {
          user: { name, password: option('password'), ...(project ? { default_project_id: project } : {}) },
        },
      };
    }
    case 'users get':
      return { method: 'GET', path: `/v3/users/${seg(need(1)[0])}` };
    case 'users enable':
    case 'users disable':
      return {
        method: 'PATCH',
        path: `/v3/users/${seg(need(1)[0])}`,
        body: { user: { enabled: verb === 'enable' } },
      };
    case 'users password':
      return {
        method: 'PATCH',
        path: `/v3/users/${seg(need(1)[0])}`,
        body: { user: { password: option('password') } },
      };
    case 'users delete':
      return { method: 'DELETE', path: `/v3/users/${seg(need(1)[0])}` };
    case 'roles list':
      need(0);
      return { method: 'GET', path: '/v3/roles' };
    case 'roles show': {
      const [project, user] = need(2);
      return { method: 'GET', path: `/v3/projects/${seg(project)}/users/${seg(user)}/roles` };
    }
    case 'roles grant':
    case 'roles revoke': {
      const [project, user, role] = need(3);
      return {
        method: verb === 'grant' ? 'PUT' : 'DELETE',
        path: `/v3/projects/${seg(project)}/users/${seg(user)}/roles/${seg(role)}`,
      };
    }
    case 'keys list':
      need(0);
      return { method: 'GET', path: `/v3.0/OS-CREDENTIAL/credentials${query('user', 'user_id')}` };
    case 'keys create': {
      const [user] = need(1);
      return {
        method: 'POST',
        path: '/v3.0/OS-CREDENTIAL/credentials',
        body: { credential: { user_id: user, description: options.get('description') ?? '' } },
      };
    }
    case 'keys get':
      return { method: 'GET', path: `/v3.0/OS-CREDENTIAL/credentials/${seg(need(1)[0])}` };
    case 'keys delete':
      return { method: 'DELETE', path: `/v3.0/OS-CREDENTIAL/credentials/${seg(need(1)[0])}` };
    case 'keys enable':
    case 'keys disable':
      return {
        method: 'PUT',
        path: `/v3.0/OS-CREDENTIAL/credentials/${seg(need(1)[0])}`,
        body: { credential: { status: verb === 'enable' ? 'active' : 'inactive' } },
      };
    default:
      throw new AdminUsageError(noun ? `unknown command: ${argv.slice(0, 2).join(' ')}` : 'no command given');
  }
}
